import MiniAppAuth

/// The WKWebView bridge without WebKit: what the `WKScriptMessageHandlerWithReply`
/// (see the host guide for those few WebKit lines) does with a message. The
/// handler is added in its own content world, so the page's scripts cannot reach
/// it; this refuses sub-frames and origins outside the allow-list as well. The
/// caller's identity is the host's (`caller`: its session, the app it opened,
/// whether a tap just happened), never the page's. It takes the engine as the
/// `MiniAppAuthEngine` protocol: a unit test can hand it a fake.
struct MiniAppBridge: Sendable {
    let engine: any MiniAppAuthEngine
    let allowedOrigins: Set<String> // "https://miniapp.example"
    let caller: @Sendable () -> Caller

    /// The reply: the result's JSON text, or an error message for the page's promise.
    /// `body` is the message's body if it was a string.
    func reply(to body: String?, isMainFrame: Bool, origin: String) async -> (result: String?, error: String?) {
        guard isMainFrame, allowedOrigins.contains(origin) else { return (nil, "not allowed") }
        guard let callJson = body else { return (nil, "expected JSON text") }
        let who = caller() // now, while the tap is still current
        return (await engine.handle(who, callJson: callJson), nil)
    }
}
