# fish completion for etcdctl-ts
#   etcdctl-ts completion fish | source
# or save as ~/.config/fish/completions/etcdctl-ts.fish.
# Candidates come from `etcdctl-ts __complete`, which also asks the cluster
# for keys, member and lease IDs, users and roles (giving up after ~300 ms).

function __etcdctl_ts_complete
    set -l args (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmd $args[1]
    set -e args[1]
    set -l out ($cmd __complete $args $cur 2>/dev/null)
    test (count $out) -gt 0; or return
    set -l directive (string replace ':' '' -- $out[-1])
    set -e out[-1]
    if test (math "bitand($directive, 2)") -ne 0
        __fish_complete_path $cur
        return
    end
    for c in $out
        echo $c
    end
end

complete -c etcdctl-ts -f -a '(__etcdctl_ts_complete)'
