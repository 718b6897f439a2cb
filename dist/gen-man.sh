#!/usr/bin/env bash
# gen-man.sh CDHOST VERSION OUT - writes cdhost(1) from the built binary's
# own --help texts, so the man page cannot drift from them: `cdhost --help`,
# then `cdhost COMMAND --help` for each command `cdhost __commands` lists
# (cli.c's table), and for `config` every command of its tree (the halyard
# module's help, walked through its SUBCOMMANDS lists). Run at build time.
set -euo pipefail
cdhost=$1 version=$2 out=$3

# roff-safe preformatted text: backslashes, hyphens, leading dots/quotes.
roff() {
    sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^[.']/\\\\\\&&/"
}

section() { # section TITLE ARGS... : the help of `cdhost ARGS... --help`
    local title=$1 text
    shift
    text=$("$cdhost" "$@" --help)
    printf '.SS "%s"\n.nf\n' "$title"
    roff <<< "$text"
    printf '.fi\n'
}

# walk WORDS...: the halyard tree below `cdhost WORDS...`.
walk() {
    local text sub
    section "cdhost $*" "$@"
    text=$("$cdhost" "$@" --help)
    while read -r sub; do
        walk "$@" "$sub"
    done < <(awk '/^SUBCOMMANDS/ { on = 1; next } on && NF == 0 { on = 0 }
                  on { print $1 }' <<< "$text")
}

{
    printf '.TH CDHOST 1 "" "cdhost %s" "User Commands"\n' "$version"
    printf '.SH NAME\ncdhost \\- caches Docker registries for Spinnaker, as Clouddriver'"'"'s Docker Registry provider\n'
    printf '.SH SYNOPSIS\n.B cdhost\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR...]\n'
    printf '.SH DESCRIPTION\n.nf\n'
    "$cdhost" --help | roff
    printf '.fi\n.SH COMMANDS\n'
    while read -r cmd; do
        # shellcheck disable=SC2086  # "images find" is two words
        if [[ $cmd == config ]]; then walk config; else section "cdhost $cmd" $cmd; fi
    done < <("$cdhost" __commands)
    printf '.SH SEE ALSO\nThe README of cdhost; \\fIcdhost.cfg.example\\fR beside the installed config.\n'
} > "$out.tmp"
mv "$out.tmp" "$out"
