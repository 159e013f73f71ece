# api_doc.awk: the C API reference (Markdown) from include/scalefit.h.
# scripts/api_doc.sh runs it: sh scripts/api_doc.sh > docs/api.md
#
# What it reads in the header:
#   /* ---...--- */ / * Title * / /* ---...--- */   a layer: "## Title"
#   /* ---- Title ---- */                            a subsection: "### Title"
#   a comment followed by a blank line               a paragraph (the layer's
#                                                    introduction, a topic)
#   a comment, then SF_API declarations              the first declaration's
#                                                    description
#   SF_API ... ; /* text */                          a declaration's
#                                                    description, when it has
#                                                    none above
# Comments attached to types and macros are left to the header.
# Portable awk (mawk, gawk): no gensub, no backslashes in gsub replacements.

function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }

# Markdown text: '*', '_' at a word edge and '<' escaped outside `code`.
function md(s,    out, i, n, c, code) {
    out = ""; n = length(s); code = 0
    for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        if (c == "`") code = !code
        if (!code && (c == "*" || c == "<")) out = out "\\" c
        else out = out c
    }
    return out
}

# The text of a comment's lines, joined with spaces (or newlines).
function comment_text(sep,    i, s, t, out) {
    out = ""
    for (i = 1; i <= ncl; i++) {
        s = cl[i]
        sub(/^[ \t]*\/\*+ ?/, "", s); sub(/[ \t]*\*+\/[ \t]*$/, "", s)
        sub(/^[ \t]*\* ?/, "", s)
        if (sep == " ") s = trim(s)
        else sub(/[ \t]+$/, "", s)
        if (s == "" && sep == " ") continue
        out = out (out == "" ? "" : sep) s
    }
    return out
}

# A heading or a paragraph, after a blank line.
function head(s) {
    if (after_list) print ""
    print s "\n"
    after_list = 0
}

function flush_paragraph(    t) {
    if (!pending) return
    pending = 0
    t = comment_text("\n")
    sub(/^\n+/, "", t); sub(/\n+$/, "", t)
    if (t != "") head(md(t))
}

function decl(s,    name, sig, tail, k, d) {
    tail = ""
    k = index(s, ";")
    if (k) { tail = substr(s, k + 1); s = substr(s, 1, k - 1) }
    sub(/^SF_API[ \t]+/, "", s)
    gsub(/[ \t]+/, " ", s)
    gsub(/\( /, "(", s); gsub(/ \)/, ")", s)
    sig = trim(s)
    name = substr(sig, 1, index(sig, "(") - 1)
    sub(/.*[^A-Za-z0-9_]/, "", name)
    d = ""
    if (attached) d = comment_text(" ")
    else if (tail ~ /\/\*/) { d = tail; sub(/^[^\/]*\/\*+ */, "", d); sub(/ *\*+\/.*$/, "", d) }
    attached = 0
    print "- `" sig ";`" (d == "" ? "" : "  \n  " md(d))
    after_list = 1
    ndecl++
}

BEGIN {
    print "# The C API of libscalefit"
    print ""
    print "Every public function of `include/scalefit.h` (the declarations marked"
    print "`SF_API`), in the header's order and sections, with the header's comment"
    print "on it.  Generated from the header by `sh scripts/api_doc.sh > docs/api.md`;"
    print "`tests/test_api_doc.c` fails when a public function is missing here, is"
    print "listed here but gone from the header, or has another signature.  The"
    print "types, enums and option structs are documented in the header itself."
    print ""
    state = "top"
}

# The file's opening comment: the conventions.
state == "top" {
    if ($0 ~ /^\/\*/) { ncl = 0; state = "conv" }
    else next
}
state == "conv" {
    cl[++ncl] = $0
    if ($0 ~ /\*\//) {
        print "## Conventions\n"
        t = comment_text("\n")
        sub(/^[^\n]*\n/, "", t)   # the header's name line
        sub(/^\n+/, "", t)
        print md(t) "\n"
        state = "body"; ncl = 0
    }
    next
}

# Inside a comment.
state == "comment" {
    cl[++ncl] = $0
    if ($0 ~ /\*\//) state = "after_comment"
    next
}

# A declaration running over several lines.
state == "decl" {
    buf = buf " " $0
    if (index($0, ";")) { decl(buf); state = "body" }
    next
}

{
    line = $0
    if (banner == 2) { banner = 0; next }   # the closing rule
    if (banner == 1) {
        t = line; sub(/^\/\* /, "", t); sub(/ *\*\/$/, "", t)
        head("## " md(t))
        banner = 2
        next
    }
    if (line ~ /^\/\* --------------------+ \*\/$/) { banner = 1; flush_paragraph(); attached = 0; next }
    if (line ~ /^\/\* ---- .* ---- \*\/$/) {
        flush_paragraph()
        t = line; sub(/^\/\* ---- /, "", t); sub(/ ---- \*\/$/, "", t)
        head("### " md(t))
        attached = 0
        next
    }
    if (line ~ /^$/) {
        if (state == "after_comment") { pending = 1; flush_paragraph() }
        state = "body"; attached = 0
        next
    }
    if (line ~ /^\/\*/) {
        flush_paragraph()
        ncl = 0
        cl[++ncl] = line
        state = (line ~ /\*\//) ? "after_comment" : "comment"
        attached = 0
        next
    }
    if (line ~ /^SF_API /) {
        attached = (state == "after_comment")
        state = "body"
        if (index(line, ";")) decl(line)
        else { buf = line; state = "decl" }
        next
    }
    # anything else (a type, a macro, a struct member) ends an attachment
    state = "body"; attached = 0
}

END {
    if (ndecl == 0) { print "api_doc.awk: no SF_API declarations read" > "/dev/stderr"; exit 1 }
}
