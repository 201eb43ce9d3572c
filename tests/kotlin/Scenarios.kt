// Kotlin scenarios: the hand-written layer (platforms/android/src/main/kotlin,
// package com.miniappauth) as an Android host uses it — suspend methods, a
// ConsentUi implemented with `override suspend fun`, typed exceptions, the Flow
// of grant changes — driving the real library end to end on the JVM. Nothing
// here imports the generated code (com.miniappauth.internal).

import com.miniappauth.*
import java.io.File
import java.nio.file.Files
import java.util.Collections
import kotlinx.coroutines.*

/** The person in front of the dialog, scripted. */
class ScriptedUi(vararg answers: String) : ConsentUi {
    private val queue = ArrayDeque(answers.toList())
    val shown: MutableList<String> = Collections.synchronizedList(mutableListOf())
    val held: MutableList<CompletableDeferred<ConsentDecision>> = Collections.synchronizedList(mutableListOf())
    var settingsAnswer: (SettingsRequest) -> List<ScopeSetting> = { it.items }
    val cancelled = java.util.concurrent.atomic.AtomicInteger()
    val heldJobs: MutableList<Job> = Collections.synchronizedList(mutableListOf())

    private fun next(): String = synchronized(queue) { queue.removeFirstOrNull() ?: "throw" }

    override suspend fun askScope(request: ScopeRequest): ConsentDecision {
        shown.add("scope ${request.userId}/${request.appId}/${request.pluginId ?: "-"} ${request.scope} via ${request.api}")
        return when (val answer = next()) {
            "allow" -> ConsentDecision.Allow
            "once" -> ConsentDecision.AllowOnce
            "deny" -> ConsentDecision.Deny
            "dismiss" -> ConsentDecision.Dismiss
            "hold" -> try {
                heldJobs.add(currentCoroutineContext()[Job]!!) // whether the engine cancelled it, told at once
                CompletableDeferred<ConsentDecision>().also { held.add(it) }.await()
            } catch (e: CancellationException) {
                cancelled.incrementAndGet() // the engine gave up: take the dialog down
                throw e
            }
            "hostException" -> throw DialogUnavailableException("the dialog could not be shown")
            else -> throw IllegalStateException("scripted crash ($answer)")
        }
    }

    /** A combined dialog: `allow+agree` ticks the privacy checkbox; `allow` leaves it unticked. */
    override suspend fun askScopeWithPrivacy(request: ScopeRequest): CombinedDecision {
        val contract = request.privacyContract
        shown.add("combined ${request.appId} ${request.scope} ${contract?.contractName} v${contract?.contractVersion} via ${request.api}")
        val answer = next()
        val decision = when (answer.removeSuffix("+agree")) {
            "allow" -> ConsentDecision.Allow
            "once" -> ConsentDecision.AllowOnce
            "deny" -> ConsentDecision.Deny
            "dismiss" -> ConsentDecision.Dismiss
            else -> throw IllegalStateException("scripted crash ($answer)")
        }
        return CombinedDecision(decision, agreePrivacy = answer.endsWith("+agree"))
    }

    override suspend fun showSettings(request: SettingsRequest): SettingsAnswer {
        shown.add("settings ${request.appId} ${request.items.map { "${it.scope}=${it.granted}" }}")
        return SettingsAnswer(settingsAnswer(request), request.subscriptions)
    }

    override suspend fun askPrivacy(request: PrivacyRequest): PrivacyDecision {
        shown.add("privacy ${request.appId} ${request.contractName} v${request.contractVersion} via ${request.referrer}")
        return when (next()) {
            "agree" -> PrivacyDecision.AGREE
            "disagree" -> PrivacyDecision.DISAGREE
            else -> throw IllegalStateException("scripted crash")
        }
    }

    override suspend fun showPrivacyContract(request: PrivacyRequest) {
        shown.add("contract ${request.appId}")
    }

    override suspend fun askSubscribe(request: SubscribeRequest): SubscribeAnswer {
        shown.add("subscribe ${request.appId} ${request.tmplIds}")
        val all = { choice: SubscribeChoice -> request.tmplIds.map { TemplateChoice(it, choice) } }
        return when (val answer = next()) {
            "accept" -> SubscribeAnswer.Chosen(all(SubscribeChoice.ACCEPT), false)
            "acceptKeep" -> SubscribeAnswer.Chosen(all(SubscribeChoice.ACCEPT), true)
            "reject" -> SubscribeAnswer.Chosen(all(SubscribeChoice.REJECT), false)
            "appBanned" -> SubscribeAnswer.AppBanned
            else -> when (val failure = answer.removePrefix("fail:").toIntOrNull()?.let { SubscribeFailure.fromErrCode(it) }) {
                null -> throw IllegalStateException("scripted crash")
                else -> SubscribeAnswer.Failed(failure)
            }
        }
    }
}

// ----- a tiny harness -----------------------------------------------------------

var passed = 0
var failed = 0

fun scenario(name: String, body: suspend () -> Unit) {
    try {
        runBlocking { withTimeout(30_000) { body() } }
        passed++
        println("ok   $name")
    } catch (e: Throwable) {
        failed++
        println("FAIL $name: $e")
    }
}

fun expect(actual: Any?, expected: Any?, what: String = "") {
    if (actual != expected) throw AssertionError("$what: expected <$expected> but was <$actual>")
}

fun tempDb(): String = Files.createTempDirectory("miniapp-auth-kt").resolve("auth.db").toString()

fun me(user: String = "u1", app: String = "wxA", plugin: String? = null, tap: Boolean = false) =
    Caller(userId = user, appId = app, pluginId = plugin, userGesture = tap)

const val OK = """{"errMsg":"authorize:ok"}"""
const val DENY = """{"errMsg":"authorize:fail auth deny","errno":103}"""
const val CANCELED = """{"errMsg":"authorize:fail auth canceled","errno":1101}"""
const val HOST_FAILED = """{"errMsg":"authorize:fail host dialog failed","errno":1301}"""
const val MANIFEST = """{"name":"Demo","permission":{"scope.userLocation":{"desc":"Find shops near you"}},
  "requiredPrivateInfos":["getLocation"],
  "privacy":{"contractName":"Demo guide","version":"1","scopes":["scope.userLocation","scope.record"]}}"""

suspend fun AuthEngine.auth(scope: String, caller: Caller = me()) = authorize(caller, scope).json

fun main() {
    scenario("allow, deny and dismiss answer with WeChat's exact strings") {
        val ui = ScriptedUi("allow", "deny", "dismiss")
        val engine = AuthEngine.open(tempDb(), ui)
        expect(engine.auth("scope.record"), OK)
        expect(engine.auth("scope.camera"), DENY)
        expect(engine.auth("scope.bluetooth"), CANCELED)
        val result = engine.authorize(me(), "scope.camera")
        expect(result.ok, false); expect(result.errno, 103); expect(result.errMsg, "authorize:fail auth deny")
        expect(engine.auth("scope.location"), """{"errMsg":"authorize:fail invalid scope","errno":1102}""")
    }

    scenario("a denial is sticky and a grant needs no second dialog") {
        val ui = ScriptedUi("deny", "allow")
        val engine = AuthEngine.open(tempDb(), ui)
        expect(engine.auth("scope.camera"), DENY)
        expect(engine.auth("scope.camera"), DENY)
        expect(ui.shown.size, 1, "dialogs")
        expect(engine.auth("scope.record"), OK)
        expect(engine.auth("scope.record"), OK)
        expect(ui.shown.size, 2, "dialogs")
    }

    scenario("getSetting reports decided scopes plus the always-true ones") {
        val engine = AuthEngine.open(tempDb(), ScriptedUi("allow", "deny"))
        engine.auth("scope.record"); engine.auth("scope.camera")
        expect(
            engine.getSetting(me(), false).json,
            """{"errMsg":"getSetting:ok","authSetting":{"scope.address":true,"scope.camera":false,"scope.invoice":true,"scope.invoiceTitle":true,"scope.record":true,"scope.userInfo":true}}""",
        )
    }

    scenario("WeChat's defaults: grants and the agreement survive a new contract version; userInfo reads true") {
        val ui = ScriptedUi("agree", "allow")
        val engine = AuthEngine.open(tempDb(), ui)
        engine.registerManifest("wxA", MANIFEST)
        expect(engine.auth("scope.record"), OK)
        engine.registerManifest("wxA", MANIFEST.replace("\"version\":\"1\"", "\"version\":\"2\""))
        expect(engine.auth("scope.record"), OK)
        expect(ui.shown.size, 2, "nobody was asked again")
        expect(
            engine.getSetting(me(), false).json,
            """{"errMsg":"getSetting:ok","authSetting":{"scope.address":true,"scope.invoice":true,"scope.invoiceTitle":true,"scope.record":true,"scope.userInfo":true}}""",
        )
    }

    scenario("openSetting needs a tap, then moves scopes both ways") {
        val ui = ScriptedUi("allow", "deny")
        val engine = AuthEngine.open(tempDb(), ui)
        engine.auth("scope.record"); engine.auth("scope.camera")
        expect(
            engine.openSetting(me()).json,
            """{"errMsg":"openSetting:fail can only be invoked by user TAP gesture.","errno":1105}""",
        )
        ui.settingsAnswer = { page -> page.items.map { ScopeSetting(it.scope, it.title, !it.granted) } }
        val opened = engine.openSetting(me(tap = true))
        expect(opened.ok, true, opened.json)
        expect(engine.auth("scope.camera"), OK)
        expect(engine.auth("scope.record"), DENY)
    }

    scenario("the privacy gate asks first; disagreement fails 104, with no new prompt for 10 s") {
        val refused = """{"errMsg":"authorize:fail privacy permission is not authorized","errno":104}"""
        val ui = ScriptedUi("disagree")
        val engine = AuthEngine.open(tempDb(), ui)
        engine.registerManifest("wxA", MANIFEST)
        expect(engine.auth("scope.record"), refused)
        expect(
            engine.getPrivacySetting(me()).json,
            """{"errMsg":"getPrivacySetting:ok","needAuthorization":true,"privacyContractName":"Demo guide"}""",
        )
        expect(engine.auth("scope.record"), refused)
        expect(ui.shown.map { it.substringBefore(' ') }, listOf("privacy"))
        // Without the gap (privacyRefusalGapMs = 0) the next call asks again.
        val ui2 = ScriptedUi("disagree", "agree", "allow")
        val engine2 = AuthEngine.open(tempDb(), ui2, EngineConfig { privacyRefusalGapMs = 0 })
        engine2.registerManifest("wxA", MANIFEST)
        expect(engine2.auth("scope.record"), refused)
        expect(engine2.auth("scope.record"), OK)
        expect(ui2.shown.map { it.substringBefore(' ') }, listOf("privacy", "privacy", "scope"))
        expect(engine2.auth("scope.camera"), """{"errMsg":"authorize:fail api scope is not declared in the privacy agreement","errno":112}""")
    }

    scenario("the combined dialog (EngineConfig.combinedPrivacyDialog): one dialog, its checkbox, both records") {
        val refused = """{"errMsg":"authorize:fail privacy permission is not authorized","errno":104}"""
        expect(EngineConfig {}.combinedPrivacyDialog, false, "off by default")
        val ui = ScriptedUi("allow", "allow+agree", "agree")
        val engine = AuthEngine.open(tempDb(), ui, EngineConfig { combinedPrivacyDialog = true })
        engine.registerManifest("wxA", MANIFEST)
        // An allow with the checkbox unticked grants nothing.
        expect(engine.auth("scope.record"), refused)
        expect(engine.consentRecords("u1").size, 0, "nothing recorded")
        expect(engine.auth("scope.record"), OK)
        expect(ui.shown, List(2) { "combined wxA scope.record Demo guide v1 via authorize" })
        expect(engine.consentRecords("u1").map { it.decision to it.scope }, listOf("granted" to "scope.record", "agreed" to null))
        // requirePrivacyAuthorize has no authorization dialog: the popup stays.
        expect(engine.requirePrivacyAuthorize(me("u2")).ok, true)
        expect(ui.shown.last(), "privacy wxA Demo guide v1 via requirePrivacyAuthorize")
    }

    scenario("the mini app's own privacy popup: the referrer, and its agree button") {
        val ui = ScriptedUi("disagree")
        val engine = AuthEngine.open(tempDb(), ui)
        engine.registerManifest("wxA", MANIFEST)
        expect(engine.ensure(me(), "getLocation").json,
            """{"errMsg":"getLocation:fail privacy permission is not authorized","errno":104}""")
        expect(ui.shown, listOf("privacy wxA Demo guide v1 via getLocation"))
        // The user taps the mini app's agree button: recorded at once, no host popup.
        expect(engine.agreePrivacyAuthorization(me(tap = true), "agree-btn").json,
            """{"errMsg":"agreePrivacyAuthorization:ok"}""")
        expect(
            engine.getPrivacySetting(me()).json,
            """{"errMsg":"getPrivacySetting:ok","needAuthorization":false,"privacyContractName":"Demo guide"}""",
        )
        expect(engine.consentRecords("u1").last().source, "privacy-button")
    }

    scenario("subscription messages: per template, kept choices, WeChat's errCodes") {
        val ui = ScriptedUi("acceptKeep", "appBanned")
        val engine = AuthEngine.open(tempDb(), ui)
        val tap = me(tap = true)
        expect(
            engine.requestSubscribeMessage(me(), listOf("T1")).json,
            """{"errMsg":"requestSubscribeMessage:fail can only be invoked by user TAP gesture.","errno":1105}""",
        )
        expect(engine.requestSubscribeMessage(tap, listOf("T1", "T2")).json,
            """{"errMsg":"requestSubscribeMessage:ok","T1":"accept","T2":"accept"}""")
        // Kept: answered without a dialog.
        expect(engine.requestSubscribeMessage(tap, listOf("T2")).json, """{"errMsg":"requestSubscribeMessage:ok","T2":"accept"}""")
        expect(ui.shown, listOf("subscribe wxA [T1, T2]"))
        expect(
            engine.getSetting(me(), true).json,
            """{"errMsg":"getSetting:ok","authSetting":{"scope.address":true,"scope.invoice":true,"scope.invoiceTitle":true,"scope.userInfo":true},"subscriptionsSetting":{"mainSwitch":true,"itemSettings":{"T1":"accept","T2":"accept"}}}""",
        )
        expect(engine.requestSubscribeMessage(tap, listOf("T3")).json,
            """{"errMsg":"requestSubscribeMessage:fail This mini program was banned from subscribing messages","errCode":20005,"errno":20005}""")
        engine.setSubscriptionsMainSwitch("u1", "wxA", false)
        expect(engine.requestSubscribeMessage(tap, listOf("T1")).json,
            """{"errMsg":"requestSubscribeMessage:fail The main switch is switched off","errCode":20004,"errno":20004}""")
    }

    // SPEC §4; WeChat's table (wx.requestSubscribeMessage.md, "错误码").
    scenario("the host fails a subscription with WeChat's other codes: byte-exact, nothing kept or recorded") {
        val texts = mapOf(
            10002 to "Request list fail",
            10003 to "Request subscribe fail",
            10005 to "Cannot show subscribe message UI",
            20001 to "No template data return, verify the template id exist",
            20002 to "Templates type must be same",
            20013 to "Reject DeviceMsg Template",
        )
        expect(SubscribeFailure.ALL.map { it.errCode }, texts.keys.toList())
        val ui = ScriptedUi(*texts.keys.map { "fail:$it" }.toTypedArray(), "acceptKeep")
        val engine = AuthEngine.open(tempDb(), ui)
        val tap = me(tap = true)
        for ((code, text) in texts) {
            expect(engine.requestSubscribeMessage(tap, listOf("T1")).json,
                """{"errMsg":"requestSubscribeMessage:fail $text","errCode":$code,"errno":$code}""")
        }
        expect(engine.consentRecords("u1"), emptyList<ConsentRecord>())
        expect(engine.requestSubscribeMessage(tap, listOf("T1")).json, """{"errMsg":"requestSubscribeMessage:ok","T1":"accept"}""")
        expect(ui.shown.size, texts.size + 1)
        // Only the host's codes name a failure: not the core's own, not 20005 (AppBanned).
        for (code in listOf(0, 10001, 10004, 20003, 20004, 20005, 99999, -20001)) expect(SubscribeFailure.fromErrCode(code), null)
        expect(SubscribeFailure.fromErrCode(20001), SubscribeFailure.NO_TEMPLATE_DATA)
        expect(SubscribeAnswer.Failed(SubscribeFailure.NO_TEMPLATE_DATA), SubscribeAnswer.Failed(SubscribeFailure.fromErrCode(20001)!!))
    }

    scenario("plugins: three scopes only, and their own namespace") {
        val ui = ScriptedUi("allow", "deny")
        val engine = AuthEngine.open(tempDb(), ui)
        val plugin = me(plugin = "wxPlugin")
        expect(
            engine.authorizeForMiniProgram(plugin, "scope.userLocation").json,
            """{"errMsg":"authorizeForMiniProgram:fail scope \"scope.userLocation\" is not supported to be authorized by plugin","errno":1106}""",
        )
        expect(engine.authorizeForMiniProgram(plugin, "scope.camera").json, """{"errMsg":"authorizeForMiniProgram:ok"}""")
        // A plugin has no wx.authorize (WeChat: 在插件中使用：不支持): errno 100 at once.
        expect(engine.auth("scope.camera", plugin), """{"errMsg":"authorize:fail api is not supported","errno":100}""")
        // Its guarded APIs are its own namespace: asked again, and denied there only.
        expect(engine.ensure(plugin, "createVKSession").json, """{"errMsg":"createVKSession:fail auth deny","errno":103}""")
        expect(engine.auth("scope.camera"), OK)
        expect(ui.shown.size, 2)
    }

    scenario("two users and two apps are isolated") {
        val ui = ScriptedUi("allow", "deny", "dismiss")
        val engine = AuthEngine.open(tempDb(), ui)
        expect(engine.auth("scope.record", me("u1", "wxA")), OK)
        expect(engine.auth("scope.record", me("u2", "wxA")), DENY)
        expect(engine.auth("scope.record", me("u1", "wxB")), CANCELED)
        expect(engine.auth("scope.record", me("u1", "wxA")), OK)
        expect(engine.listGrants("u1", null).map { "${it.appId}:${it.scope}:${it.state}" }, listOf("wxA:scope.record:GRANTED"))
        expect(engine.listGrants("u2", null).map { it.state }, listOf(GrantState.DENIED))
    }

    scenario("concurrent coroutines share one dialog") {
        val ui = ScriptedUi("hold")
        val engine = AuthEngine.open(tempDb(), ui)
        // Released only once the core says the five other calls joined the
        // one dialog (its debug log), so the count proves the sharing.
        val joined = java.util.concurrent.atomic.AtomicInteger()
        MiniAppAuthLog.setSink(LogLevel.DEBUG) {
            if (it.message.startsWith("a call joined the consent dialog already open")) joined.incrementAndGet()
        }
        coroutineScope {
            val calls = (1..6).map { async(Dispatchers.Default) { engine.auth("scope.record") } }
            withTimeout(10_000) { while (ui.held.isEmpty() || joined.get() < 5) delay(5) }
            MiniAppAuthLog.setSink(LogLevel.DEBUG, null)
            expect(joined.get(), 5, "calls that joined the one dialog")
            expect(ui.shown.size, 1, "dialogs while open")
            ui.held[0].complete(ConsentDecision.Allow)
            calls.awaitAll().forEach { expect(it, OK) }
        }
        expect(ui.shown.size, 1, "dialogs")
    }

    scenario("a ConsentUi that throws grants nothing and leaves nothing locked") {
        val ui = ScriptedUi("crash", "hostException", "allow")
        val engine = AuthEngine.open(tempDb(), ui)
        expect(engine.auth("scope.record"), HOST_FAILED)
        expect(engine.auth("scope.record"), HOST_FAILED)
        expect(engine.listGrants("u1", null).size, 0)
        expect(engine.auth("scope.record"), OK)
    }

    scenario("a cancelled call frees its app for the next dialog") {
        val ui = ScriptedUi("hold", "allow")
        val engine = AuthEngine.open(tempDb(), ui)
        coroutineScope {
            val stuck = launch(Dispatchers.Default) { engine.auth("scope.record") }
            while (ui.held.isEmpty()) delay(5)
            stuck.cancelAndJoin()
        }
        expect(engine.auth("scope.camera"), OK)
        expect(engine.listGrants("u1", null).map { it.scope }, listOf("scope.camera"))
    }

    scenario("a dialog nobody answers times out, is cancelled and frees the app") {
        val ui = ScriptedUi("hold", "allow")
        val engine = AuthEngine.open(tempDb(), ui, EngineConfig { dialogTimeoutMs = 200 })
        expect(engine.auth("scope.record"), """{"errMsg":"authorize:fail dialog timed out","errno":5}""")
        withTimeout(5_000) { while (ui.cancelled.get() == 0) delay(5) }
        expect(engine.auth("scope.camera"), OK)
    }

    scenario("allow once lasts for the app's run; the consent log records it") {
        val ui = ScriptedUi("once", "deny")
        val engine = AuthEngine.open(tempDb(), ui)
        expect(engine.auth("scope.record"), OK)
        expect(engine.auth("scope.record"), OK)
        expect(engine.listGrants("u1", null).size, 0, "allow-once is never stored as granted")
        engine.endAppRun("u1", "wxA")
        expect(engine.auth("scope.record"), DENY)
        val records = engine.consentRecords("u1")
        expect(records.map { "${it.decision}/${it.lifetime}" }, listOf("granted/once", "denied/null"))
        val check = engine.verifyConsentLog()
        expect(check.intact, true); expect(check.records, 2L)
    }

    scenario("decisions persist after closing and reopening") {
        val path = tempDb()
        AuthEngine.open(path, ScriptedUi("allow", "deny")).use { engine ->
            engine.auth("scope.record"); engine.auth("scope.camera")
        }
        val ui = ScriptedUi()
        AuthEngine.open(path, ui).use { engine ->
            expect(engine.auth("scope.record"), OK)
            expect(engine.auth("scope.camera"), DENY)
        }
        expect(ui.shown.size, 0, "dialogs after reopening")
    }

    scenario("typed exceptions: a newer database, a bad manifest") {
        val path = tempDb()
        AuthEngine.open(path, ScriptedUi()).close()
        // The schema version is SQLite's user_version, at offset 60 of the file
        // header: make the file look written by a newer library (schema 99).
        java.io.RandomAccessFile(File(path), "rw").use { it.seek(60); it.writeInt(99) }
        try {
            AuthEngine.open(path, ScriptedUi())
            throw AssertionError("a newer database was opened")
        } catch (e: MiniAppAuthException.DatabaseTooNew) {
            expect(e.found, 99L); expect(e.supported, 4L)
        }
        val engine = AuthEngine.inMemory(ScriptedUi())
        try {
            engine.registerManifest("wxA", """{"requiredPrivateInfos":["getFuzzyLocation","getLocation"]}""")
            throw AssertionError("a bad manifest was accepted")
        } catch (e: MiniAppAuthException.InvalidManifest) {
            check(e.reason.contains("getFuzzyLocation")) { e.reason }
        }
    }

    scenario("importFromHost brings every kind of decision: times, an allow-until end, agreements, kept choices, main switches") {
        val ui = ScriptedUi()
        val engine = AuthEngine.open(tempDb(), ui)
        engine.registerManifest("wxA", MANIFEST)
        val decided = System.currentTimeMillis() - 86_400_000L
        val until = System.currentTimeMillis() + 3_600_000L
        val report = engine.importFromHost(HostImport(
            grants = listOf(
                ImportedGrant("u1", "wxA", null, "scope.userLocation", true, decidedAtMs = decided),
                ImportedGrant("u1", "wxA", null, "scope.record", true, decidedAtMs = decided, expiresAtMs = until),
            ),
            privacyAgreements = listOf(ImportedPrivacyAgreement("u1", "wxA", "1", agreedAtMs = decided)),
            subscriptionChoices = listOf(ImportedSubscriptionChoice("u1", "wxA", "tmplA", SubscribeChoice.ACCEPT, decided)),
            subscriptionSwitches = listOf(ImportedSubscriptionSwitch("u1", "wxB", false, decided)),
        ))
        expect(report.grants.imported, 2L, "grants")
        expect(report.privacyAgreements.imported, 1L, "agreements")
        expect(report.subscriptionChoices.imported, 1L, "choices")
        expect(report.subscriptionSwitches.imported, 1L, "switches")
        // The mini app sees it all without a dialog: no privacy popup, no consent dialog, no subscribe dialog.
        expect(engine.getPrivacySetting(me()).json.contains("\"needAuthorization\":false"), true, "privacy agreed")
        expect(engine.auth("scope.userLocation"), OK)
        val subscribed = engine.requestSubscribeMessage(me(tap = true), listOf("tmplA"))
        expect(subscribed.json, """{"errMsg":"requestSubscribeMessage:ok","tmplA":"accept"}""")
        expect(engine.requestSubscribeMessage(me(app = "wxB", tap = true), listOf("tmplA")).errno, 20004, "wxB switched off")
        expect(ui.shown, emptyList<String>(), "dialogs")
        val record = engine.listGrants("u1").first { it.scope == "scope.record" }
        expect(record.updatedAtMs, decided, "the decision time")
        expect(record.expiresAtMs, until, "the allow-until end")
        // Bad input of any kind changes nothing.
        try {
            engine.importFromHost(HostImport(subscriptionChoices = listOf(ImportedSubscriptionChoice("u2", "wxA", "tmplA", SubscribeChoice.BAN))))
            throw AssertionError("a banned template was imported as a kept choice")
        } catch (e: MiniAppAuthException.InvalidArgument) {
            check(e.message!!.contains("import entry 0 of subscription_choices")) { e.message!! }
        }
    }

    scenario("importGrants moves earlier decisions in, keeps what is decided, refuses bad input whole") {
        val engine = AuthEngine.open(tempDb(), ScriptedUi("deny"))
        expect(engine.auth("scope.camera"), DENY)
        val report = engine.importGrants(listOf(
            ImportedGrant("u1", "wxA", null, "scope.record", true),
            ImportedGrant("u1", "wxA", null, "scope.camera", true), // already denied here: kept
        ))
        expect(report.imported to report.keptExisting, 1L to 1L)
        expect(engine.auth("scope.record"), OK)
        expect(engine.auth("scope.camera"), DENY)
        expect(engine.listGrants("u1").first { it.scope == "scope.record" }.source, DecisionSource.IMPORT)
        try {
            engine.importGrants(listOf(ImportedGrant("u1", "wxA", null, "scope.bluetooth", true), ImportedGrant("u1", "wxA", null, "scope.nope", true)))
            throw AssertionError("an unknown scope was imported")
        } catch (e: MiniAppAuthException.InvalidArgument) {
            check(e.message!!.contains("import entry 1")) { e.message!! }
        }
        expect(engine.listGrants("u1").map { it.scope }.sorted(), listOf("scope.camera", "scope.record"), "nothing written")
    }

    scenario("from Java: openBlocking, handleFuture, a lambda log sink, a typed exception") {
        val lines = withContext(Dispatchers.IO) { JavaHost.run(tempDb(), ScriptedUi("allow")) }
        expect(lines, listOf("config: 60000 ms, 3 dismissals", OK, "InvalidArgument: invalid argument: the database path must not be empty (use in_memory for no file)"))
    }

    scenario("the bridge entry answers JSON for the WebView") {
        val ui = ScriptedUi("allow")
        val engine = AuthEngine.inMemory(ui)
        engine.registerManifest("wxA", """{"permission":{"scope.userLocation":{"desc":"Find shops"}},"requiredPrivateInfos":["getLocation"]}""")
        expect(engine.handle(me(), """{"api":"getLocation"}"""), """{"errMsg":"getLocation:ok"}""")
        expect(
            engine.handle(me(), """{"api":"authorize","args":{"scope":"scope.record"},"app":"wxB"}"""),
            """{"errMsg":"authorize:fail invalid request: unexpected field \"app\" (the caller's identity comes from the host)","errno":101}""",
        )
    }

    changeStreamScenarios()
    lifecycleScenarios()
    cancellationScenarios()
    metricsScenarios()
    hotPathScenarios()
    syncScenarios()
    inspectionScenarios()
    sampleScenarios()

    println("kotlin: $passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
