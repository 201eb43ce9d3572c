#!/usr/bin/env python3
"""The public API of a Swift module as stable, readable, sorted text.

Reads the JSON `swift-api-digester -dump-sdk -module M` writes (the public
declarations of M: types, their conformances, members, protocol requirements,
what comes from extensions, default arguments, @discardableResult, get/set) and
prints one line per declaration, members indented under their type, both
sorted. Signatures are the demangled mangled names (swift-demangle): they carry
what the digester's printed types drop — async, throws, @Sendable, `isolated`,
inout. Module prefixes of the module itself, Swift and _Concurrency are left
out. Implicit (compiler-synthesised) members and non-public ones (the
digester's isInternal: package-level declarations) are left out.

    swift-api-text.py text DUMP.json --demangler 'CMD …'
        the text; CMD reads mangled names on stdin, one a line, and prints
        each demangled on its own line (swift-demangle)
    swift-api-text.py check DUMP.json --forbid-module NAME
        fails (exit 1) if any public declaration of the dump names a type of
        module NAME (its imports aside), listing where
    swift-api-text.py check DUMP.json --forbid-unsigned
        fails if any public declaration names UInt, UInt8, UInt16, UInt32 or UInt64

tests/swift/run.sh runs these on MiniAppAuth and MiniAppAuthTesting and
compares the text with platforms/ios/api/*.api.
"""

import argparse
import json
import re
import shlex
import subprocess
import sys

TYPE_KINDS = {"Class": "class", "Struct": "struct", "Enum": "enum", "Protocol": "protocol"}
# What a type's conformance list leaves out: implied for every type.
IMPLIED = {"Copyable", "Escapable"}
ORDER = {"typealias": 0, "case": 1, "init": 2, "var": 3, "func": 4, "subscript": 5}


def public(node):
    return not node.get("isInternal") and not node.get("implicit")


def mangled_names(node, out):
    if "mangledName" in node and public(node):
        out.append(node["mangledName"])
    for child in node.get("children", []):
        mangled_names(child, out)
    return out


def split_params(text, start):
    """The top-level parameters of the list opening at text[start] == '(', and the index after it."""
    depth, params, current, i = 0, [], "", start
    while i < len(text):
        c = text[i]
        if text.startswith("->", i):
            current += "->"
            i += 2
            continue
        if c in "([<":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c in ")]>":
            depth -= 1
            if depth == 0:
                if current.strip():
                    params.append(current.strip())
                return params, i + 1
        elif c == "," and depth == 1:
            params.append(current.strip())
            current = ""
            i += 1
            continue
        current += c
        i += 1
    raise ValueError(f"unbalanced parameter list: {text}")


class Printer:
    def __init__(self, module, demangled):
        self.module = module
        self.demangled = demangled

    def clean(self, text):
        text = text.replace(f"(extension in {self.module}):", "")
        for prefix in (self.module, "Swift", "_Concurrency"):
            text = re.sub(rf"(?<![\w.]){re.escape(prefix)}\.", "", text)
        return text

    def signature(self, node, owner):
        """The demangled declaration without its owner's name, defaults marked."""
        text = self.demangled[node["mangledName"]]
        static = text.startswith("static ")
        text = self.clean(text.removeprefix("static "))
        owner_prefix = owner + "."
        if text.startswith(owner_prefix):
            text = text[len(owner_prefix):]
        defaults = [bool(child.get("hasDefaultArg")) for child in node.get("children", [])[1:]]
        if node.get("declKind") in ("Func", "Constructor") and any(defaults):
            open_at = text.index("(")
            params, end = split_params(text, open_at)
            if len(params) == len(defaults):
                params = [p + " = default" if d else p for p, d in zip(params, defaults)]
            text = text[:open_at] + "(" + ", ".join(params) + ")" + text[end:]
        return static, text

    def member(self, node, owner, in_protocol):
        kind = node.get("declKind")
        attributes = node.get("declAttributes", [])
        prefix = []
        if "DiscardableResult" in attributes:
            prefix.append("@discardableResult")
        if kind == "EnumElement":
            # Its type: (Owner.Type) -> Owner, or (Owner.Type) -> ((label: T, …)) -> Owner.
            payload = ""
            func = node["children"][0] if node.get("children") else None
            inner = func["children"][0] if func and func.get("children") else None
            if inner is not None and inner.get("kind") == "TypeFunc" and len(inner.get("children", [])) > 1:
                payload = self.clean(inner["children"][1]["printedName"])
            return "case", f"case {node['name']}{payload}"
        if kind == "TypeAlias":
            target = self.clean(node["children"][0]["printedName"]) if node.get("children") else "?"
            return "typealias", f"typealias {node['printedName']} = {target}"
        static, text = self.signature(node, owner)
        if static:
            prefix.append("static")
        if kind == "Var":
            name, _, type_ = text.partition(" : ")
            # A stored property's accessors are implicit; a private(set) setter is internal.
            accessors = {a.get("accessorKind") for a in node.get("accessors", []) if not a.get("isInternal")}
            if node.get("isLet"):
                word, access = "let", ""
            else:
                word = "var"
                access = " { get set }" if accessors & {"set", "modify"} else " { get }"
            line = f"{word} {name}: {type_}{access}"
        elif kind == "Constructor":
            line = re.sub(r" -> [^>]+$", "", text) if text.startswith("init") else text
            word = "init"
        elif kind == "Subscript":
            word, line = "subscript", text
        else:
            word = "func"
            line = "func " + re.sub(r" -> \(\)$", "", text)
        if in_protocol:
            line += "  // requirement" if node.get("protocolReq") else "  // extension"
        elif node.get("isFromExtension"):
            line += "  // extension"
        return word if word != "let" else "var", " ".join(prefix + [line])

    def type_lines(self, node, indent=""):
        kind = TYPE_KINDS.get(node.get("declKind"))
        if kind is None:
            return []
        name = node["printedName"]
        conformances = sorted({c["printedName"] for c in node.get("conformances", [])} - IMPLIED)
        if kind == "protocol" and node.get("genericSig"):
            # <Self : AnyObject, Self : Swift.Sendable>: what the protocol refines, AnyObject included.
            conformances = sorted(self.clean(req.split(":", 1)[1].strip())
                                  for req in node["genericSig"].strip("<>").split(",") if req.strip().startswith("Self :"))
        words = []
        if "Final" in node.get("declAttributes", []):
            words.append("final")
        head = f"{indent}{' '.join(words + [kind, name])}"
        if conformances:
            head += ": " + ", ".join(conformances)
        members, nested = [], []
        for child in node.get("children", []):
            if not public(child):
                continue
            if child.get("declKind") in TYPE_KINDS:
                nested.append(child)
            elif child.get("declKind") in ("Func", "Constructor", "Var", "Subscript", "EnumElement", "TypeAlias"):
                members.append(self.member(child, name, kind == "protocol"))
        lines = [head]
        def key(member):
            word, line = member
            return ORDER[word], re.sub(r"^(@\w+ )*(static )?", "", line), line
        for _, line in sorted(members, key=key):
            lines.append(f"{indent}    {line}")
        for child in sorted(nested, key=lambda n: n["printedName"]):
            lines.extend(self.type_lines(child, indent + "    "))
        return lines


def load(path):
    with open(path) as f:
        return json.load(f)["ABIRoot"]


def text(args):
    root = load(args.dump)
    module = root["name"]
    names = sorted(set(mangled_names(root, [])))
    demangler = subprocess.run(shlex.split(args.demangler), input="\n".join(names) + "\n",
                               capture_output=True, text=True, check=True)
    lines = demangler.stdout.splitlines()
    if len(lines) != len(names):
        sys.exit(f"swift-api-text: {len(names)} names in, {len(lines)} lines out of {args.demangler}")
    printer = Printer(module, dict(zip(names, lines)))
    out = [
        f"// The public API of the Swift module {module}: swift-api-digester -dump-sdk,",
        "// normalised by scripts/swift-api-text.py. Checked by tests/swift/run.sh;",
        "// MINIAPP_AUTH_UPDATE_API=1 tests/swift/run.sh rewrites it.",
    ]
    others = [c for c in root.get("children", []) if public(c) and c.get("declKind") not in TYPE_KINDS
              and c.get("kind") != "Import"]
    for node in sorted((c for c in root.get("children", []) if public(c)), key=lambda n: n["printedName"]):
        out.extend(printer.type_lines(node))
    for node in sorted(others, key=lambda n: n["printedName"]):
        _, line = printer.member(node, module, False)
        out.append(line)
    print("\n".join(out))


def check(args):
    root = load(args.dump)
    found = []

    def walk(node, path):
        if node.get("kind") == "Import" or not public(node):
            return
        here = path + [node.get("printedName", "?")]
        for key in ("printedName", "usr", "moduleName", "mangledName"):
            value = node.get(key, "")
            if args.forbid_module and key in ("printedName", "moduleName") and re.search(
                    rf"(?<![\w]){re.escape(args.forbid_module)}\b", value):
                found.append(" > ".join(here))
            if args.forbid_unsigned and key == "printedName" and re.search(r"(?<![\w.])(Swift\.)?UInt(8|16|32|64)?\b", value):
                found.append(" > ".join(here))
        for accessor in node.get("accessors", []):
            walk(accessor, here)
        for child in node.get("children", []):
            walk(child, here)

    walk(root, [])
    what = f"the module {args.forbid_module}" if args.forbid_module else "an unsigned integer type"
    if found:
        print(f"{root['name']}: {len(found)} public declaration(s) name {what}:")
        for where in sorted(set(found)):
            print(f"    {where}")
        sys.exit(1)
    print(f"{root['name']}: no public declaration names {what}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("text")
    t.add_argument("dump")
    t.add_argument("--demangler", required=True)
    c = sub.add_parser("check")
    c.add_argument("dump")
    group = c.add_mutually_exclusive_group(required=True)
    group.add_argument("--forbid-module")
    group.add_argument("--forbid-unsigned", action="store_true")
    args = parser.parse_args()
    text(args) if args.command == "text" else check(args)


if __name__ == "__main__":
    main()
