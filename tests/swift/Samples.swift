// Scenarios for the host guide's and README's compiled Swift samples
// (docs/samples/ios/*.swift), and the check that the docs quote them verbatim.

import Foundation
import MiniAppAuth

/// The ```swift blocks right after a `<!-- compiled: PATH -->` line in README.md
/// and docs/host-guide.md (run.sh copies them next to the binary), with the path.
func quotedSamples(_ language: String) throws -> [(String, String)] {
    var found: [(String, String)] = []
    for doc in ["README.md", "docs/host-guide.md"] {
        let text = try String(contentsOfFile: doc, encoding: .utf8)
        var rest = Substring(text)
        while let marker = rest.range(of: "<!-- compiled: ") {
            rest = rest[marker.upperBound...]
            guard let end = rest.range(of: " -->") else { break }
            let path = String(rest[..<end.lowerBound])
            rest = rest[end.upperBound...]
            let fence = "\n```\(language)\n"
            guard !path.contains(" "), rest.hasPrefix(fence) else { continue }
            let body = rest.dropFirst(fence.count)
            guard let close = body.range(of: "```") else { break }
            found.append((path, String(body[..<close.lowerBound])))
            rest = body[close.upperBound...]
        }
    }
    return found
}

extension Scenarios {
    static func sampleScenarios() async {
        await scenario("the docs quote the compiled Swift samples verbatim (README, host guide)") {
            let quoted = try quotedSamples("swift")
            let files = try FileManager.default.contentsOfDirectory(atPath: "docs/samples/ios")
                .filter { $0.hasSuffix(".swift") }.map { "docs/samples/ios/\($0)" }
            try expect(Set(quoted.map { $0.0 }), Set(files), "every compiled sample is quoted, and only those")
            for (path, block) in quoted {
                try expect(block, try String(contentsOfFile: path, encoding: .utf8), "the quote of \(path)")
            }
        }

        await scenario("README quick start: open, register, authorize, the bridge") {
            let results = try await quickStart(dbPath: tempDb(), dialogs: ScriptedUi("allow"), appJson: "{}", tapped: false)
            try expect(results, [OK, #"{"errMsg":"getSetting:ok","authSetting":{"scope.address":true,"scope.invoice":true,"scope.invoiceTitle":true,"scope.record":true,"scope.userInfo":true}}"#])
        }

        await scenario("the WKWebView bridge answers the allowed origin's main frame only, with the host's identity") {
            let engine = try AuthEngine.inMemory(ui: ScriptedUi("allow"))
            let bridge = MiniAppBridge(engine: engine, allowedOrigins: ["https://miniapp.example"], caller: { me(tap: true) })
            let call = #"{"api":"authorize","args":{"scope":"scope.record"}}"#
            let other = await bridge.reply(to: call, isMainFrame: true, origin: "https://evil.example")
            try expect(other.error, "not allowed")
            let frame = await bridge.reply(to: call, isMainFrame: false, origin: "https://miniapp.example")
            try expect(frame.error, "not allowed")
            let ok = await bridge.reply(to: call, isMainFrame: true, origin: "https://miniapp.example")
            try expect(ok.result, OK)
            let named = await bridge.reply(to: #"{"api":"getSetting","args":{},"user":"u2"}"#, isMainFrame: true, origin: "https://miniapp.example")
            try expect(named.result,
                #"{"errMsg":"getSetting:fail invalid request: unexpected field \"user\" (the caller's identity comes from the host)","errno":101}"#)
            try expect(try await engine.listGrants(userId: "u1").map { $0.scope }, ["scope.record"])
        }
    }
}
