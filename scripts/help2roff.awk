# help2roff.awk: one subcommand's --help text (stdin) as a man page (stdout).
# scripts/help2roff.sh runs it; the --help text is the one source of the
# page, so the page cannot say other than --help does.
#
# Variables (-v): cmd (e.g. fit), desc (the one-line description from the
# command table of `scalefit --help`), version, date, cmds (every
# subcommand, space-separated, for SEE ALSO).
#
# What the help text looks like, and what each part becomes:
#   Usage: scalefit CMD ...      SYNOPSIS, one line per usage line
#          scalefit CMD ...
#   paragraphs at column 0       DESCRIPTION (before the first option),
#                                NOTES (after it)
#   Heading:                     a heading at column 0 after a blank line,
#     --opt ARG   text           followed by option lines: OPTIONS, .SS
#                 more text      Heading; each option line a .TP entry
#     term  text                 other indented lines under a paragraph:
#                                a .TP list inside it
#   Example(s):                  EXAMPLES, the indented lines verbatim
#     scalefit CMD ...
#
# Portable awk (mawk, gawk, busybox): no gensub, no backslashes in gsub
# replacements.

# Escape a line of text for groff: backslashes, option dashes (a '-' that
# starts a word and what follows it in that word, so --warm-start copies as
# typed), and a control character at the start of the line.
function esc(s,    out, i, n, c, prev, next_c, inopt) {
    out = ""; n = length(s); prev = " "; inopt = 0
    for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        next_c = substr(s, i + 1, 1)
        if (c == "\\") { out = out "\\e"; inopt = 0 }
        else if (c == "-") {
            if (inopt || (prev !~ /[A-Za-z0-9_.]/ && next_c ~ /[-A-Za-z]/)) {
                inopt = 1
                out = out "\\-"
            } else out = out "-"
        } else {
            if (c !~ /[A-Za-z0-9_]/) inopt = 0
            out = out c
        }
        prev = c
    }
    if (out ~ /^[.']/) out = "\\&" out
    return out
}

# Mark up words: option names bold, placeholders (words with a capital
# letter, such as FILE or N) italic, lowercase words bold when `lit` (the
# literal values of an option term: --grid auto) and plain otherwise.
function markup(s, lit,    out, i, n, c, w, j, m) {
    out = ""; n = length(s); i = 1
    while (i <= n) {
        c = substr(s, i, 1)
        if (c == "-" && (i == 1 || substr(s, i - 1, 1) !~ /[A-Za-z0-9_]/) &&
            substr(s, i + 1, 1) ~ /[-A-Za-z]/) {
            for (j = i; j <= n && substr(s, j, 1) ~ /[-A-Za-z0-9_]/; j++) {}
            out = out "\\fB" esc(substr(s, i, j - i)) "\\fR"
            i = j
        } else if (c ~ /[A-Za-z0-9_]/) {
            for (j = i; j <= n && substr(s, j, 1) ~ /[-A-Za-z0-9_.|]/; j++) {}
            w = substr(s, i, j - i)
            m = match(w, /[.]+$/)
            if (m) { j -= length(w) - m + 1; w = substr(w, 1, m - 1) }
            if (w ~ /[A-Z]/) out = out "\\fI" esc(w) "\\fR"
            else if (lit) out = out "\\fB" esc(w) "\\fR"
            else out = out esc(w)
            i = j
        } else {
            out = out (c == "\\" ? "\\e" : c)
            i++
        }
    }
    if (out ~ /^[.']/) out = "\\&" out
    return out
}

function indent_of(s) { match(s, /^ */); return RLENGTH }
function trim(s) { sub(/^ +/, "", s); sub(/ +$/, "", s); return s }

function section(name) {
    if (sect == name) return
    print ".SH " name
    sect = name
    in_list = 0
    fresh = 1
}

# Text at column 0: a new paragraph after a blank line or a list.
function text_line(s) {
    if (sect == "" || sect == "SYNOPSIS") section("DESCRIPTION")
    if (sect == "OPTIONS") section("NOTES")
    if ((blank || in_list) && !fresh) print ".PP"
    print esc(s)
    blank = 0; in_list = 0; fresh = 0
}

# An indented entry: "term  text" (or the term alone, its text below).
function entry(s, is_opt,    term, rest, k) {
    s = trim(s)
    k = match(s, /   *[^ ]/)
    if (k) { term = substr(s, 1, k - 1); rest = substr(s, k + RLENGTH - 1) }
    else { term = s; rest = "" }
    sub(/:$/, "", term)
    print ".TP"
    fresh = 0
    print markup(term, is_opt)
    if (rest != "") print esc(rest)
    in_list = 1
}

function see_also(    n, i, k, w, list, seen, docs, s) {
    section("SEE ALSO")
    list = ".BR scalefit (1)"
    n = split(cmds, k, " ")
    for (i = 1; i <= n; i++)
        if (k[i] != cmd && index(all, "scalefit " k[i] " ") + index(all, "scalefit " k[i] "'") > 0)
            list = list ",\n.BR \\%scalefit-" k[i] " (1)"
    print list
    docs = ""
    s = all
    while (match(s, /docs\/[a-z_]+\.md/)) {
        w = substr(s, RSTART, RLENGTH)
        if (!(w in seen)) { seen[w] = 1; docs = docs (docs == "" ? "" : ", ") w }
        s = substr(s, RSTART + RLENGTH)
    }
    if (docs != "") { print ".PP"; print esc(docs) " in the source tree." }
}

{ line[++nl] = $0; all = all " " $0 " " }

END {
    ucmd = toupper(cmd)
    print ".\\\" Generated from 'scalefit " cmd " --help' by scripts/help2roff.sh: edit the"
    print ".\\\" help text in src/cli, not this file."
    print ".TH SCALEFIT-" ucmd " 1 \"" date "\" \"scalefit " version "\" \"User Commands\""
    print ".nh"; print ".ad l"
    print ".SH NAME"
    print "scalefit-" cmd " \\- " esc(desc)
    sect = "NAME"
    i = 1
    while (i <= nl && (line[i] ~ /^Usage: / || (i > 1 && line[i] ~ /^  +scalefit /))) {
        s = line[i]; sub(/^Usage: */, "", s); s = trim(s)
        # a long usage line wraps indented under its command
        if (sect != "SYNOPSIS") { section("SYNOPSIS"); print ".in +4n" }
        print ".ti -4n"
        # the command words (scalefit task fit) bold, the rest marked up
        b = ""
        while (match(s, /^[a-z]+( |$)/)) { b = b (b == "" ? "" : " ") trim(substr(s, 1, RLENGTH)); s = substr(s, RLENGTH + 1) }
        print "\\fB" b "\\fR" (s == "" ? "" : " " markup(s, 0))
        i++
    }
    if (sect != "SYNOPSIS") { print "help2roff: '" cmd " --help' has no Usage line" > "/dev/stderr"; exit 1 }
    print ".in -4n"
    blank = 1; mode = ""     # mode: "" (text), "opt", "list", "example"
    for (; i <= nl; i++) {
        s = line[i]
        if (s ~ /^ *$/) { blank = 1; if (mode == "example") mode = "example-gap"; else mode = ""; continue }
        ind = indent_of(s)
        if (ind == 0) {
            if (mode == "example" || mode == "example-gap") { print ".fi"; print ".RE"; mode = "" }
            nxt = (i < nl) ? line[i + 1] : ""
            if (blank && s ~ /:$/ && nxt ~ /^  /) {
                head = s; sub(/:$/, "", head)
                if (head ~ /^Examples?( |$)/) {
                    section("EXAMPLES")
                    sub(/^Examples? *\(?/, "", head); sub(/\)$/, "", head)
                    if (head != "") { print esc(head) ":"; fresh = 0 }
                    mode = "example"; started = 0
                } else {
                    if (nxt ~ /^  -/) section("OPTIONS")
                    else if (sect == "" || sect == "SYNOPSIS") section("DESCRIPTION")
                    if (head != "Options") { print ".SS \"" esc(head) "\""; fresh = 1 }
                    mode = "heading"
                }
                blank = 0; in_list = 0
                continue
            }
            text_line(s)
            mode = ""
            continue
        }
        if (mode == "example" || mode == "example-gap") {
            if (!started) { if (!fresh) print ".PP"; print ".RS 4"; print ".nf"; started = 1; fresh = 0 }
            else if (mode == "example-gap") print ""
            mode = "example"
            print esc(substr(s, 3))
            continue
        }
        t = trim(s)
        if (ind <= 4 && t ~ /^-/ && (mode != "opt" || ind <= opt_ind)) {
            if (sect != "OPTIONS" && mode != "heading") section("OPTIONS")
            entry(t, 1); mode = "opt"; opt_ind = ind
        } else if ((mode == "opt" || mode == "list") && ind > opt_ind) {
            print esc(t)
        } else {
            if (sect == "" || sect == "SYNOPSIS") section("DESCRIPTION")
            entry(t, 0); mode = "list"; opt_ind = ind
        }
        blank = 0
    }
    if (mode == "example" || mode == "example-gap") { print ".fi"; print ".RE" }
    see_also()
}
