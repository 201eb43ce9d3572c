import MiniAppAuth

/// The README's Swift quick start: open, register, answer a mini app's calls.
func quickStart(dbPath: String, dialogs: any ConsentUi, appJson: String, tapped: Bool) async throws -> [String] {
    let engine = try await AuthEngine.open(path: dbPath, ui: dialogs) // main-safe: opens off the caller's thread
    try await engine.registerManifest(appId: "wx1234abcd", manifestJson: appJson)
    let me = Caller(userId: "u1", appId: "wx1234abcd", userGesture: tapped)
    let result = await engine.authorize(me, scope: "scope.record") // result.json == {"errMsg":"authorize:ok"}
    let json = await engine.handle(me, callJson: #"{"api":"getSetting","args":{}}"#) // the bridge
    return [result.json, json]
}
