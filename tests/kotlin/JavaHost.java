// The Kotlin layer from Java, where it is cheap (the Kotlin suite compiles this
// with javac against the layer and calls it from a scenario): the blocking open,
// the bridge as a CompletableFuture, a lambda log sink, a typed exception. Java
// does not see Kotlin's type aliases: the data types (Caller, LogLevel, …) are
// imported from com.miniappauth.internal, where they are declared.

import com.miniappauth.AuthEngine;
import com.miniappauth.ConsentUi;
import com.miniappauth.MiniAppAuthException;
import com.miniappauth.MiniAppAuthLog;
import com.miniappauth.internal.Caller;
import com.miniappauth.internal.LogLevel;
import java.util.ArrayList;
import java.util.List;

public final class JavaHost {
    private JavaHost() {}

    /** Opens, answers one bridge call, and returns what happened, one line each. */
    public static List<String> run(String path, ConsentUi ui) throws Exception {
        List<String> lines = new ArrayList<>();
        List<String> logged = new ArrayList<>();
        MiniAppAuthLog.setSink(LogLevel.WARN, record -> { synchronized (logged) { logged.add(record.getMessage()); } });
        try (AuthEngine engine = AuthEngine.openBlocking(path, ui)) {
            Caller me = new Caller("u1", "wxA", null, false);
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
