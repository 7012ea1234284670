# bash completion for etcdctl-ts
#   source <(etcdctl-ts completion bash)
# or copy to /etc/bash_completion.d/etcdctl-ts (or ~/.local/share/bash-completion/completions/etcdctl-ts).
# Candidates come from `etcdctl-ts __complete`, which also asks the cluster
# for keys, member and lease IDs, users and roles (giving up after ~300 ms).

_etcdctl_ts() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    # bash splits words at '=' and ':' (COMP_WORDBREAKS); glue them back.
    local -a words=()
    local i w
    for ((i = 1; i <= COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if ((${#words[@]} > 0)) && [[ $w == "=" || $w == ":" || ${COMP_WORDS[i-1]} == "=" || ${COMP_WORDS[i-1]} == ":" ]]; then
            words[${#words[@]}-1]+=$w
        else
            words+=("$w")
        fi
    done
    local out
    out=$("${COMP_WORDS[0]}" __complete "${words[@]}" 2>/dev/null) || return 0
    local directive=${out##*$'\n'}
    directive=${directive#:}
    local candidates=
    [[ $out == *$'\n'* ]] && candidates=${out%$'\n'*}
    if ((directive & 2)); then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return 0
    fi
    ((directive & 1)) && compopt -o nospace 2>/dev/null
    COMPREPLY=()
    [[ -n $candidates ]] || return 0
    # Each candidate replaces only the word bash split off last.
    local whole=${words[${#words[@]}-1]}
    local strip=${whole%"$cur"}
    local c
    while IFS= read -r c; do
        COMPREPLY+=("${c#"$strip"}")
    done <<<"$candidates"
}

complete -o default -F _etcdctl_ts etcdctl-ts
