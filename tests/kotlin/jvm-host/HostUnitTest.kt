// A host team's plain JVM unit test (issue #21, "test seams"): host code written
// against the MiniAppAuthEngine interface, tested twice — with the real engine
// from the JVM artifact (miniapp-auth-jvm.jar, the library loaded from inside
// the jar by JNA) and the testing part's ScriptedConsentUi, and with a fake of
// the host's own. Compiled against the two artifacts only (tests/kotlin/run.sh:
// no generated class, no jna.library.path), as a Gradle test source set would be.

import com.miniappauth.ApiResult
import com.miniappauth.Caller
import com.miniappauth.ConsentDecision
import com.miniappauth.EngineConfig
import com.miniappauth.Grant
import com.miniappauth.MiniAppAuthEngine
import com.miniappauth.SubscribeFailure
import com.miniappauth.testing.Fixtures
import com.miniappauth.testing.ScriptedConsentUi
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emptyFlow
import kotlinx.coroutines.runBlocking

/** The host's own code under test: opens the camera only when the mini app may use it. */
class CameraButton(private val engine: MiniAppAuthEngine, private val caller: Caller) {
    var opened = 0
        private set

    suspend fun tap(): String {
        val answer = engine.authorize(caller, "scope.camera")
        if (answer.ok) opened++
        return answer.errMsg
    }
}

/** A fake engine of the host's own: allows what it was told to. */
class AllowingEngine(private val allowed: Set<String>) : MiniAppAuthEngine {
    private fun result(api: String, ok: Boolean): ApiResult =
        if (ok) Fixtures.okResult(api) else Fixtures.failResult(api, "auth deny", 103)
    override suspend fun authorize(caller: Caller, scope: String): ApiResult = result("authorize", scope in allowed)
    override suspend fun getSetting(caller: Caller, withSubscriptions: Boolean): ApiResult = result("getSetting", true)
    override suspend fun openSetting(caller: Caller, withSubscriptions: Boolean): ApiResult = result("openSetting", true)
    override suspend fun authorizeForMiniProgram(caller: Caller, scope: String): ApiResult = result("authorizeForMiniProgram", scope in allowed)
    override suspend fun getPrivacySetting(caller: Caller): ApiResult = result("getPrivacySetting", true)
    override suspend fun requirePrivacyAuthorize(caller: Caller): ApiResult = result("requirePrivacyAuthorize", true)
    override suspend fun agreePrivacyAuthorization(caller: Caller, buttonId: String?): ApiResult = result("agreePrivacyAuthorization", true)
    override suspend fun requestSubscribeMessage(caller: Caller, tmplIds: List<String>): ApiResult = result("requestSubscribeMessage", true)
    override suspend fun openPrivacyContract(caller: Caller): ApiResult = result("openPrivacyContract", true)
    override suspend fun ensure(caller: Caller, api: String): ApiResult = result(api, true)
    override suspend fun handle(caller: Caller, callJson: String): String = result("handle", true).json
    override suspend fun registerManifest(appId: String, manifestJson: String) {}
    override suspend fun listGrants(userId: String, appId: String?): List<Grant> = emptyList()
    override suspend fun setGrant(userId: String, appId: String, scope: String, granted: Boolean, pluginId: String?) {}
    override suspend fun revokeGrant(userId: String, appId: String, scope: String, pluginId: String?) {}
    override suspend fun resetApp(appId: String, userId: String?): Long = 0
    override suspend fun forgetUser(userId: String): Long = 0
    override suspend fun endAppRun(userId: String, appId: String) {}
    override fun grantChanges(userId: String): Flow<List<Grant>> = emptyFlow()
    override suspend fun shutdown() {}
    override val isClosed: Boolean = false
    override fun close() {}
}

var passed = 0
var failed = 0

fun check(name: String, body: suspend () -> Unit) {
    try {
        runBlocking { body() }
        passed++
        println("ok   jvm host: $name")
    } catch (e: Throwable) {
        failed++
        println("FAIL jvm host: $name: $e")
    }
}

fun expect(actual: Any?, expected: Any?, what: String) {
    if (actual != expected) throw AssertionError("$what: expected <$expected> but was <$actual>")
}

fun main() {
    check("the real engine from the JVM jar, with ScriptedConsentUi: allow, then the grant stands without a dialog") {
        check(System.getProperty("jna.library.path") == null) { "jna.library.path is set: the jar must carry the library" }
        val ui = ScriptedConsentUi().thenAnswer(ConsentDecision.Allow)
        Fixtures.inMemoryEngine(ui).use { engine ->
            engine.registerManifest("wxTestApp", Fixtures.manifest(purposes = mapOf("scope.camera" to "Scan codes")))
            val button = CameraButton(engine, Fixtures.caller())
            expect(button.tap(), "authorize:ok", "first tap")
            expect(button.tap(), "authorize:ok", "second tap")
            expect(button.opened, 2, "camera opened")
            expect(ui.shown, listOf("scope wxTestApp scope.camera via authorize"), "dialogs")
        }
    }
    check("the real engine: a denial keeps the camera shut, and is sticky") {
        val ui = ScriptedConsentUi().thenAnswer(ConsentDecision.Deny)
        Fixtures.inMemoryEngine(ui).use { engine ->
            val button = CameraButton(engine, Fixtures.caller())
            expect(button.tap(), "authorize:fail auth deny", "first tap")
            expect(button.tap(), "authorize:fail auth deny", "second tap")
            expect(button.opened, 0, "camera opened")
            expect(ui.shown.size, 1, "dialogs")
        }
    }
    check("Fixtures.manifest's kinds of information: getClipboardData passes the privacy gate alone") {
        val ui = ScriptedConsentUi()
        Fixtures.inMemoryEngine(ui).use { engine ->
            engine.registerManifest("wxTestApp", Fixtures.manifest(privacyContract = "Shop guide", privacyInfos = listOf("Clipboard")))
            expect(engine.ensure(Fixtures.caller(), "getClipboardData").json, """{"errMsg":"getClipboardData:ok"}""", "agreed, then ok")
            expect(engine.ensure(Fixtures.caller(), "chooseMedia").errno, 112, "Album is not declared")
            expect(ui.shown, listOf("privacy wxTestApp v1"), "the privacy popup, no consent dialog")
        }
        expect(
            Fixtures.manifest(privacyContract = "G", privacyInfos = listOf("Clipboard")),
            """{"name":"Test app","permission":{},"requiredPrivateInfos":[],"privacy":{"contractName":"G","version":"1","scopes":[],"infos":["Clipboard"]}}""",
            "the text",
        )
    }
    check("ScriptedConsentUi scripts the host's server failing a subscription: the mini app gets WeChat's errCode, nothing is kept") {
        val ui = ScriptedConsentUi().failSubscriptionsWith(SubscribeFailure.NO_TEMPLATE_DATA)
        Fixtures.inMemoryEngine(ui).use { engine ->
            val answer = engine.requestSubscribeMessage(Fixtures.caller(userGesture = true), listOf("T1"))
            expect(answer.json,
                """{"errMsg":"requestSubscribeMessage:fail No template data return, verify the template id exist","errCode":20001,"errno":20001}""",
                "result")
            expect(answer.errno, 20001, "errno")
            expect(ui.shown, listOf("subscribe wxTestApp T1"), "dialogs")
            expect(engine.getSetting(Fixtures.caller(), true).json.contains(""""itemSettings":{}"""), true, "nothing kept")
        }
    }
    check("the real engine with the combined dialog: ScriptedConsentUi ticks the privacy checkbox") {
        val ui = ScriptedConsentUi().thenAnswer(ConsentDecision.Allow).thenAnswer(ConsentDecision.Allow)
        ui.ticksPrivacyCheckbox = false
        Fixtures.inMemoryEngine(ui, EngineConfig { combinedPrivacyDialog = true }).use { engine ->
            engine.registerManifest(
                "wxTestApp",
                Fixtures.manifest(privacyContract = "Test guide", privacyScopes = listOf("scope.camera")),
            )
            val button = CameraButton(engine, Fixtures.caller())
            expect(button.tap(), "authorize:fail privacy permission is not authorized", "unticked")
            ui.ticksPrivacyCheckbox = true
            expect(button.tap(), "authorize:ok", "ticked")
            expect(ui.shown, List(2) { "scope wxTestApp scope.camera via authorize +privacy v1" }, "dialogs")
            expect(ui.scopeRequests.last().privacyContract?.contractName, "Test guide", "the checkbox's contract")
        }
    }
    check("a fake engine of the host's own, through the same interface") {
        val button = CameraButton(AllowingEngine(setOf("scope.camera")), Fixtures.caller())
        expect(button.tap(), "authorize:ok", "tap")
        expect(button.opened, 1, "camera opened")
    }
    println("kotlin: $passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
