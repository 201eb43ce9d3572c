#!/usr/bin/env python3
"""Checks an `strace -f` log for database I/O on one thread (SPEC §5, main-safe).

    check-main-thread-io.py TRACE MAIN_TID

TRACE is `strace -f -e trace=openat,pread64,pwrite64,fsync,fdatasync,close -o TRACE`
output (each line starts with the thread id). It follows which file descriptors
are open on the database files (*.db, *.db-wal, *.db-shm, *.db-journal) in the
order the calls returned, and fails (exit 1) if MAIN_TID did any pread64,
pwrite64, fsync or fdatasync on one of them, printing the offending lines.
Opening and closing on the main thread are reported but allowed (they are not
disk reads or writes of the database's pages).
"""
import re
import sys

DB_FILE = re.compile(r'\.db(-wal|-shm|-journal)?$')
IO_CALLS = ("pread64", "pwrite64", "fsync", "fdatasync")
LINE = re.compile(r'^(\d+)\s+(.*)$')
CALL = re.compile(r'^(\w+)\((.*)\)\s+=\s+(-?\d+)')
RESUMED = re.compile(r'^<\.\.\. (\w+) resumed>(.*)$')


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    trace, main_tid = sys.argv[1], sys.argv[2]
    open_fds: dict[str, str] = {}  # fd -> database file
    unfinished: dict[str, str] = {}  # tid -> the call's text before "<unfinished ...>"
    offending, main_opens, db_io = [], [], 0
    with open(trace, errors="replace") as lines:
        for raw in lines:
            m = LINE.match(raw.rstrip("\n"))
            if not m:
                continue
            tid, rest = m.groups()
            if rest.endswith("<unfinished ...>"):
                unfinished[tid] = rest[: -len("<unfinished ...>")].rstrip()
                continue
            r = RESUMED.match(rest)
            if r:
                rest = unfinished.pop(tid, r.group(1) + "(") + r.group(2)
            c = CALL.match(rest)
            if not c:
                continue
            name, args, result = c.group(1), c.group(2), int(c.group(3))
            if name == "openat" and result >= 0:
                path = re.search(r'"((?:[^"\\]|\\.)*)"', args)
                if path and DB_FILE.search(path.group(1)):
                    open_fds[str(result)] = path.group(1)
                    if tid == main_tid:
                        main_opens.append(raw.rstrip())
                else:
                    open_fds.pop(str(result), None)
                continue
            fd = args.split(",", 1)[0].strip()
            if name == "close":
                open_fds.pop(fd, None)
            elif name in IO_CALLS and fd in open_fds:
                db_io += 1
                if tid == main_tid:
                    offending.append(f"{raw.rstrip()}    <- {open_fds[fd]}")
    print(f"main-thread-io: {db_io} reads, writes and syncs of the database files in the trace; "
          f"{len(offending)} of them on the main thread ({main_tid})")
    if db_io == 0:
        print("main-thread-io: the trace shows no database I/O at all: the check saw nothing (wrong filter?)")
        return 1
    for line in main_opens[:5]:
        print(f"main-thread-io: (allowed) the main thread opened a database file: {line}")
    for line in offending[:40]:
        print(f"main-thread-io: MAIN THREAD I/O: {line}")
    if len(offending) > 40:
        print(f"main-thread-io: ... and {len(offending) - 40} more")
    return 1 if offending else 0


if __name__ == "__main__":
    sys.exit(main())
