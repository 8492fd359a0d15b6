# fish completion for tfhub-cache. The candidates come from the program itself
# (`tfhub-cache __complete -- WORD...`), which reads its verb table and the cache.

function __tfhub_cache_candidates
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    # "$cur" stays one argument when the word being completed is still empty.
    set -l candidates ($words[1] __complete -- $words[2..-1] "$cur" 2>/dev/null)
    if test (count $candidates) -gt 0
        printf '%s\n' $candidates
    else
        # No candidate: a folder or a file is expected.
        __fish_complete_path "$cur"
    end
end

complete -c tfhub-cache -f -a '(__tfhub_cache_candidates)'
