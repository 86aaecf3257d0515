# shellcheck shell=bash
# Sourced by the cluster tests that reach the emulated nodes as two Sparks on a desk are reached:
# real OpenSSH, an sshd in a node's network namespace, key login as the job user (session.sh
# and a cluster that is up come first).

# A host key and a config for the nodes' sshd, a key login for the job user.
node_sshd_setup() {
    local state=$SF_CLUSTER_STATE home
    home=$(getent passwd "$SF_TEST_USER" | cut -d: -f6)
    mkdir -p "$state/ssh" /run/sshd
    rm -f "$state/ssh/host_key" "$state/ssh/host_key.pub"
    ssh-keygen -q -t ed25519 -N '' -f "$state/ssh/host_key"
    cat > "$state/ssh/sshd_config" <<CONF
ListenAddress 0.0.0.0
HostKey $state/ssh/host_key
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PermitRootLogin no
CONF
    # useradd leaves the password locked ('!'), and sshd without PAM refuses locked accounts even
    # for key logins; '*' means "no password" without locking.
    usermod -p '*' "$SF_TEST_USER"
    install -d -o "$SF_TEST_USER" -m 700 "$home/.ssh"
    [ -f "$home/.ssh/id_ed25519" ] || as_user ssh-keygen -q -t ed25519 -N '' -f "$home/.ssh/id_ed25519"
    install -o "$SF_TEST_USER" -m 600 "$home/.ssh/id_ed25519.pub" "$home/.ssh/authorized_keys"
    printf 'Host 192.168.200.*\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n' \
        > "$home/.ssh/config"
    chown "$SF_TEST_USER" "$home/.ssh/config"
    chmod 600 "$home/.ssh/config"
}

# start_node_sshd NODE [SSHD_OPTION]...: NODE's sshd (started through `cluster.sh exec`, so its
# sessions see what the node's own processes see); SSHD_OPTIONs go to sshd as they are (-o ...).
start_node_sshd() {
    local node=$1
    shift
    sf_cluster exec "$node" /usr/sbin/sshd -f "$SF_CLUSTER_STATE/ssh/sshd_config" \
        -o "PidFile=$SF_CLUSTER_STATE/ssh/$node.pid" "$@" || _session_die "sshd did not start on $node"
}
