# bash completion for tfhub-cache. The candidates come from the program itself
# (`tfhub-cache __complete -- WORD...`), which reads its verb table and the cache,
# so this file never lists a verb or an option of its own.

_tfhub_cache()
{
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null; then
        # Handles hold ':' (https://...), which bash splits words at by default.
        _get_comp_words_by_ref -n := cur words cword
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local IFS=$'\n'
    COMPREPLY=($("${words[0]}" __complete -- "${words[@]:1:cword-1}" "$cur" 2>/dev/null))
    if declare -F __ltrim_colon_completions >/dev/null; then
        __ltrim_colon_completions "$cur"
    fi
}

# With no candidate (a folder or a file is expected), bash completes file names.
complete -o default -o nosort -F _tfhub_cache tfhub-cache 2>/dev/null \
    || complete -o default -F _tfhub_cache tfhub-cache
