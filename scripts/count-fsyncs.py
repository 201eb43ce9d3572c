#!/usr/bin/env python3
"""Counts the fsync/fdatasync calls of the real bridge making decisions (#20):
runs `miniapp-auth bridge` under `strace -f -c`, sends DECISIONS authorize
calls spread over USERS users (each a first decision of its scope), answers
every dialog "allow", and prints the count. BENCHMARKS.md, "The one door".

    cargo build --release --bin miniapp-auth
    scripts/count-fsyncs.py 100 100          # 100 first decisions of 100 users
    scripts/count-fsyncs.py 20 100 [BINARY]  # 100 decisions of 20 users
"""
import json
import subprocess
import sys
import tempfile

SCOPES = ["scope.record", "scope.camera", "scope.writePhotosAlbum", "scope.werun", "scope.bluetooth"]


def main():
    users, decisions = int(sys.argv[1]), int(sys.argv[2])
    binary = sys.argv[3] if len(sys.argv) > 3 else "target/release/miniapp-auth"
    with tempfile.TemporaryDirectory() as work:
        summary = f"{work}/strace.txt"
        bridge = subprocess.Popen(
            ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", summary,
             binary, "bridge", "--db", f"{work}/auth.db"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        for i in range(decisions):
            user, scope = f"u{i % users}", SCOPES[(i // users) % len(SCOPES)]
            call = {"id": i, "user": user, "app": "wxA", "api": "authorize", "args": {"scope": scope}}
            bridge.stdin.write(json.dumps(call) + "\n")
            bridge.stdin.flush()
            event = json.loads(bridge.stdout.readline())
            assert event.get("event") == "consent", event
            bridge.stdin.write(json.dumps({"prompt": event["prompt"], "decision": "allow"}) + "\n")
            bridge.stdin.flush()
            answer = json.loads(bridge.stdout.readline())
            assert answer["result"]["errMsg"] == "authorize:ok", answer
        bridge.stdin.close()
        assert bridge.wait() == 0
        total = [line.split() for line in open(summary) if line.strip().endswith("total")]
        print(f"{users} users, {decisions} decisions: {total[0][3] if total else 0} fsync/fdatasync calls")


if __name__ == "__main__":
    main()
