// The Kotlin layer from Java, where it is cheap (the Kotlin suite compiles this
// with javac against the layer alone — the generated classes are not on its
// classpath, so nothing of com.miniappauth.internal can be imported — and calls
// it from a scenario): the blocking open with an EngineConfig built in Java, the
// bridge as a CompletableFuture, a lambda log sink, a typed exception.

import com.miniappauth.AuthEngine;
import com.miniappauth.Caller;
import com.miniappauth.ConsentUi;
import com.miniappauth.EngineConfig;
import com.miniappauth.LogLevel;
import com.miniappauth.MiniAppAuthException;
import com.miniappauth.MiniAppAuthLog;
import java.util.ArrayList;
import java.util.List;

public final class JavaHost {
    private JavaHost() {}

    /** Opens, answers one bridge call, and returns what happened, one line each. */
    public static List<String> run(String path, ConsentUi ui) throws Exception {
        List<String> lines = new ArrayList<>();
        List<String> logged = new ArrayList<>();
        MiniAppAuthLog.setSink(LogLevel.WARN, record -> { synchronized (logged) { logged.add(record.getMessage()); } });
        EngineConfig config = new EngineConfig.Builder().dialogTimeoutMs(60_000).maxDismissals(3).build();
        lines.add("config: " + config.getDialogTimeoutMs() + " ms, " + config.getMaxDismissals() + " dismissals");
        try (AuthEngine engine = AuthEngine.openBlocking(path, ui, config)) {
            Caller me = new Caller("u1", "wxA");
            lines.add(engine.handleFuture(me, "{\"api\":\"authorize\",\"args\":{\"scope\":\"scope.record\"}}").get());
            try {
                AuthEngine.openBlocking("", ui);
                lines.add("an empty path was opened");
            } catch (MiniAppAuthException.InvalidArgument e) {
                lines.add(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        } finally {
            MiniAppAuthLog.setSink(null);
        }
        return lines;
    }
}
