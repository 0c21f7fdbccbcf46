#!/usr/bin/env bash
# The trustfix.trust collection under real Ansible: ansible-core from PyPI in
# a virtual environment cached under target/, ansible-playbook against
# localhost (connection: local) with a temporary inventory, a keytool-made
# JKS, a javac-compiled JVM client and `openssl s_server` on 127.0.0.1 with a
# PKI made here by openssl; then `ansible-test sanity` on the collection.
# Ends with "N passed, N failed"; exits non-zero on any failure.
#
#   contrib/ansible/tests/run.sh    (TRUSTFIX_BIN=FILE: another binary; TRUSTFIX_ANSIBLE_KEEP=1: keep the logs)
set -uo pipefail
cd "$(dirname "$0")/../../.."
repo=$PWD
collections=$repo/contrib/ansible
collection=$collections/ansible_collections/trustfix/trust

ANSIBLE_CORE=2.19.14 # pinned: ansible-test's sanity rules and ignore-2.19.txt go with it
cache=$repo/target/ansible
py=/usr/bin/python3

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "PASS  $1"; }
fail() {
  failed=$((failed + 1))
  echo "FAIL  $1${2:+: $2}"
  if [ -n "${3:-}" ] && [ -f "$3" ]; then sed 's/^/      | /' "$3" | tail -40; fi
}
skip() { skipped=$((skipped + 1)); echo "SKIP  $1: $2"; }
finish() {
  local more=""
  [ "$skipped" = 0 ] || more=", $skipped skipped"
  echo "$passed passed, $failed failed$more"
  [ "$failed" = 0 ] && exit 0
  exit 1
}

# --- tools ------------------------------------------------------------------
have_tools() {
  [ -x "$py" ] && "$py" -c 'import venv, ensurepip' 2>/dev/null &&
    command -v openssl >/dev/null && command -v keytool >/dev/null &&
    command -v javac >/dev/null && command -v java >/dev/null
}
if ! have_tools; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3 python3-venv openssl openjdk-17-jdk-headless >/dev/null
  fi
  if ! have_tools && [ "$(id -u)" = 0 ]; then
    fail "install python3-venv, openssl, openjdk-17-jdk-headless"
    finish
  elif ! have_tools; then
    skip "ansible collection" "needs python3 with venv, openssl and a JDK (keytool, javac, java); run as root to install them (python3-venv, openjdk-17-jdk-headless)"
    finish
  fi
fi

venv=$cache/venv-$ANSIBLE_CORE-py$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
trustfix=${TRUSTFIX_BIN:-$repo/target/debug/trustfix}
if [ -z "${TRUSTFIX_BIN:-}" ]; then
  # A no-op after `cargo test`, which built the same binary.
  cargo build --quiet --bin trustfix || { fail "build trustfix"; finish; }
fi
[ -x "$trustfix" ] || { fail "trustfix binary" "$trustfix is not executable"; finish; }

if [ ! -f "$venv/.installed" ]; then
  echo "creating $venv (ansible-core $ANSIBLE_CORE from PyPI)"
  rm -rf "$venv"
  if ! { "$py" -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check "ansible-core==$ANSIBLE_CORE"; }; then
    fail "install ansible-core $ANSIBLE_CORE into $venv"
    finish
  fi
  touch "$venv/.installed"
fi
"$venv/bin/ansible-playbook" --version | sed -n 1p

tmp=$(mktemp -d /tmp/trustfix-ansible.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  if [ -n "${TRUSTFIX_ANSIBLE_KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# --- PKI (openssl), stores (keytool), servers (openssl s_server), JVM client -
cd "$tmp"
cat >ext.cnf <<'EOF'
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:exchange01.int.contoso.com,IP:127.0.0.1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
ec() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -subj "/CN=$2" "${@:3}" 2>/dev/null; }
if ! {
  ec root "Contoso Offline Root CA" -x509 -days 3650 -out root.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
    ec other "Unrelated Test CA" -x509 -days 3650 -out other.pem &&
    ec sub "Contoso Subordinate CA" -out sub.csr &&
    openssl x509 -req -in sub.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1825 \
      -extfile ext.cnf -extensions ca -out sub.pem 2>/dev/null &&
    ec leaf "exchange01.int.contoso.com" -out leaf.csr &&
    openssl x509 -req -in leaf.csr -CA sub.pem -CAkey sub.key -CAcreateserial -days 365 \
      -extfile ext.cnf -extensions leaf -out leaf.pem 2>/dev/null &&
    cat sub.pem root.pem >sub-root.pem &&
    ec evil "evil$(printf '\033')[31mred" -x509 -days 365 -utf8 -out evil.pem -addext subjectAltName=IP:127.0.0.1
}; then
  fail "make the test PKI with openssl"
  finish
fi
root_sha=$(openssl x509 -in root.pem -outform DER | sha256sum | cut -d' ' -f1)
root_fp=$(echo "$root_sha" | tr a-f A-F | sed 's/../&:/g; s/:$//') # as keytool prints it

# A JKS made by keytool, holding one unrelated CA.
new_jks() { keytool -importcert -noprompt -alias unrelated -file other.pem -keystore "$1" -storetype JKS -storepass changeit >/dev/null 2>&1; }
in_jks() { keytool -list -keystore "$1" -storepass changeit 2>/dev/null | grep -q "$root_fp"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
serve() { # PORT NAME [CHAIN]: sends NAME.pem, then CHAIN (as Exchange does)
  openssl s_server -quiet -accept "127.0.0.1:$1" -cert "$2.pem" -key "$2.key" ${3:+-cert_chain "$3"} </dev/null >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
port_a=$(free_port) # leaf + intermediate: the root is neither sent nor in the store
port_b=$(free_port) # leaf + intermediate + root
port_c=$(free_port) # a self-signed certificate whose name holds a terminal escape sequence
serve "$port_a" leaf sub.pem && serve "$port_b" leaf sub-root.pem && serve "$port_c" evil ||
  { fail "start openssl s_server on 127.0.0.1"; finish; }

cat >TlsProbe.java <<'EOF'
import javax.net.ssl.*;
public class TlsProbe {
    public static void main(String[] a) {
        try (SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault().createSocket(a[0], Integer.parseInt(a[1]))) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
            System.out.println("OK " + s.getSession().getProtocol());
        } catch (Exception e) {
            System.out.println("FAIL " + e);
            System.exit(1);
        }
    }
}
EOF
javac TlsProbe.java 2>javac.log || { fail "javac the JVM client" "" javac.log; finish; }
jvm() { # STORE PORT: does a JVM trusting exactly STORE accept the server?
  env -u JAVA_TOOL_OPTIONS java "-Djavax.net.ssl.trustStore=$1" -Djavax.net.ssl.trustStoreType=JKS \
    -Djavax.net.ssl.trustStorePassword=changeit -cp "$tmp" TlsProbe 127.0.0.1 "$2" >jvm.log 2>&1
}

# --- Ansible ----------------------------------------------------------------
mkdir -p home state
export HOME=$tmp/home TRUSTFIX_STATE_DIR=$tmp/state
export ANSIBLE_COLLECTIONS_PATH=$collections ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_CONFIG=$tmp/ansible.cfg
: >ansible.cfg
cat >inventory <<EOF
localhost ansible_connection=local ansible_python_interpreter=$venv/bin/python
[dbmail]
sql01 ansible_connection=local ansible_python_interpreter=$venv/bin/python dbmail_check_store=ca-file:$tmp/sql01.pem dbmail_trust_store=ca-file:$tmp/sql01.pem
sql02 ansible_connection=local ansible_python_interpreter=$venv/bin/python dbmail_check_store=ca-file:$tmp/sql02.pem dbmail_trust_store=ca-file:$tmp/sql02.pem
EOF
cat >vars.yml <<EOF
trustfix: $trustfix
tmp: $tmp
port_a: $port_a
port_b: $port_b
port_c: $port_c
root_sha: $root_sha
server: exchange01.int.contoso.com
EOF
# Every play: localhost, trustfix from vars.yml for both modules.
header() {
  cat <<'EOF'
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/trustfix.trust.trustfix:
      binary: "{{ trustfix }}"
  tasks:
EOF
}
play() { # NAME [ansible-playbook options]: the tasks on stdin; output in NAME.log
  local name=$1
  shift
  { header; cat; } >"$name.yml"
  "$venv/bin/ansible-playbook" -i inventory -e @vars.yml "$@" "$name.yml" >"$name.log" 2>&1
}
recap_changed() { grep -E "^${2:-localhost} +: " "$1.log" | sed -E 's/.*changed=([0-9]+).*/\1/'; }

jks=$tmp/app.jks
new_jks "$jks" || { fail "keytool: make a JKS"; finish; }
echo "vars: $(tr '\n' ' ' <vars.yml)"

# 1. The check fails the task on a rejected chain, and reports why.
if play check-rejected <<'EOF'
    - name: the JKS lacks the Contoso root
      trustfix.trust.trustfix_check:
        target: "{{ server }}:{{ port_a }}"
        connect: 127.0.0.1
        store: "java:{{ tmp }}/app.jks"
        storepass: changeit
      register: r
      ignore_errors: true
    - ansible.builtin.assert:
        that:
          - r is failed
          - r is not changed
          - r.verdict == 'rejected'
          - r.exit_code == 2
          - r.path_status == 'incomplete'
          - "'chain.untrusted_root' in r.findings | map(attribute='id')"
          - "r.msg.startswith(server ~ ':' ~ port_a ~ ': rejected: chain.untrusted_root: ')"
          - "'--storepass-env' in r.cmd and '--storepass' not in r.cmd"
    - name: fail_on [] only reports
      trustfix.trust.trustfix_check:
        target: "{{ server }}:{{ port_a }}"
        connect: 127.0.0.1
        store: "java:{{ tmp }}/app.jks"
        fail_on: []
      register: r2
    - ansible.builtin.assert:
        that: [r2 is not failed, r2.verdict == 'rejected']
    - name: a server that is not there is an error (exit 3)
      trustfix.trust.trustfix_check:
        target: "127.0.0.1:1"
        starttls: none
        timeout: 2
      register: r3
      ignore_errors: true
    - ansible.builtin.assert:
        that: [r3 is failed, r3.verdict == 'error', r3.exit_code == 3, r3.error.phase == 'connect', "r3.msg.startswith('trustfix: connect: ')"]
    - name: a binary that is not there
      trustfix.trust.trustfix_check:
        target: "{{ server }}:{{ port_a }}"
        binary: /nonexistent/trustfix
      register: r4
      ignore_errors: true
    - ansible.builtin.assert:
        that: [r4 is failed, "r4.msg == 'binary /nonexistent/trustfix: not an executable file'"]
EOF
then pass "check: a rejected chain fails the task with its verdict, findings and exit code"
else fail "check: a rejected chain fails the task" "" check-rejected.log; fi

# A server's names reach the terminal escaped: Ansible prints a failed task's msg raw.
if play hostile-name <<'EOF'
    - trustfix.trust.trustfix_check:
        target: "127.0.0.1:{{ port_c }}"
        store: "ca-file:{{ tmp }}/other.pem"
      register: r
      ignore_errors: true
    - ansible.builtin.assert:
        that: [r is failed, "'chain.self_signed' in r.msg", "'evil\\\\u001b[31mred' in r.msg"] # YAML and Jinja each unescape once
EOF
then
  if grep -q 'evil\\u001b\[31mred' hostile-name.log && ! grep -q "$(printf '\033')" hostile-name.log; then
    pass "check: a certificate name with an escape sequence reaches the terminal escaped"
  else fail "check: a raw escape sequence reached the output" "" hostile-name.log; fi
else fail "check: hostile certificate name" "" hostile-name.log; fi

if ! jvm "$jks" "$port_a" && grep -q "PKIX path building failed" jvm.log; then
  pass "jvm: the JVM client refuses the server before the import"
else fail "jvm: the client should fail before the import" "" jvm.log; fi

# 2. Check mode: changed, the plan as a diff, the JKS byte for byte as it was.
sum0=$(sha "$jks")
if play import-check --check --diff <<'EOF'
    - trustfix.trust.trustfix_trust:
        path: "{{ tmp }}/root.pem"
        store: "java:{{ tmp }}/app.jks"
        storepass: changeit
      register: r
    - ansible.builtin.assert:
        that:
          - r is changed
          - r.changes | length == 1
          - r.changes[0].action == 'add'
          - r.changes[0].sha256 == root_sha
          - r.diff.before == ''
          - root_sha in r.diff.after
          - "'--dry-run' in r.cmd[0] and '--yes' not in r.cmd[0]"
EOF
then
  if [ "$(sha "$jks")" = "$sum0" ] && [ "$(recap_changed import-check)" = 1 ] && grep -q "^+.*sha256=$root_sha" import-check.log; then
    pass "trust --check --diff: changed=1, the diff adds the root, the JKS is byte-identical"
  else fail "trust --check: the JKS changed, or no changed=1 / diff line" "" import-check.log; fi
else fail "trust --check --diff" "" import-check.log; fi

# 3. The real run imports; keytool lists the entry; the JVM client connects.
if play import <<'EOF'
    - trustfix.trust.trustfix_trust:
        path: "{{ tmp }}/root.pem"
        store: "java:{{ tmp }}/app.jks"
        storepass: changeit
      register: r
    - ansible.builtin.assert:
        that:
          - r is changed
          - r.changes[0].action == 'add'
          - r.backups | length == 1
          - "'--yes' in r.cmd[0]"
    - name: and the check now passes
      trustfix.trust.trustfix_check:
        target: "{{ server }}:{{ port_a }}"
        connect: 127.0.0.1
        store: "java:{{ tmp }}/app.jks"
      register: c
    - ansible.builtin.assert:
        that: [c is not failed, c.verdict == 'trusted', c.exit_code == 0, c.path_status == 'trusted', c.days_left > 300]
EOF
then
  if in_jks "$jks" && jvm "$jks" "$port_a"; then
    pass "trust: the real run imports (keytool lists the root, the JVM client connects)"
  else fail "trust: keytool or the JVM client disagree after the import" "" jvm.log; fi
else fail "trust: the real run" "" import.log; fi

# 4. A second run changes nothing.
sum1=$(sha "$jks")
if play import-again <<'EOF'
    - trustfix.trust.trustfix_trust:
        path: "{{ tmp }}/root.pem"
        store: "java:{{ tmp }}/app.jks"
        storepass: changeit
      register: r
    - ansible.builtin.assert:
        that: [r is not changed, "r.changes[0].action == 'present'", "r.backups == []"]
EOF
then
  if [ "$(sha "$jks")" = "$sum1" ] && [ "$(recap_changed import-again)" = 0 ]; then
    pass "trust: a second run reports changed=0 and leaves the JKS alone"
  else fail "trust: the second run touched the JKS" "" import-again.log; fi
else fail "trust: the second run" "" import-again.log; fi

# 5. A wrong storepass fails with trustfix's own one-line error; nothing changes;
#    the password appears nowhere, even at -vvv.
wrong=not-the-password-4711
expected=$(TF_PASS=$wrong "$trustfix" remove --sha256 "$root_sha" --store "java:$jks" --storepass-env TF_PASS --json --dry-run 2>&1 >/dev/null)
"$py" -c 'import json, sys; print(json.dumps({"expected": sys.argv[1], "wrong": sys.argv[2]}))' "$expected" "$wrong" >wrong-vars.json
if [ -n "$expected" ] && play wrong-pass -vvv -e @wrong-vars.json <<'EOF'
    - trustfix.trust.trustfix_trust:
        state: absent
        path: "{{ tmp }}/root.pem"
        store: "java:{{ tmp }}/app.jks"
        storepass: "{{ wrong }}"
      register: r
      ignore_errors: true
    - ansible.builtin.assert:
        that: [r is failed, r is not changed, r.msg == expected]
EOF
then
  if [ "$(sha "$jks")" = "$sum1" ] && in_jks "$jks" && ! grep -q -- "$wrong" wrong-pass.log; then
    pass "trust: a wrong storepass fails with '${expected}'; the JKS is unchanged, the password is in no output (-vvv)"
  else fail "trust: wrong storepass changed the JKS or leaked the password" "" wrong-pass.log; fi
else fail "trust: wrong storepass (trustfix said: $expected)" "" wrong-pass.log; fi

# 6. state: absent, check mode first, then for real (password from a file), then again.
printf 'changeit\n' >pass.txt
if play absent <<'EOF'
    - ansible.builtin.stat:
        path: "{{ tmp }}/app.jks"
        checksum_algorithm: sha256
      register: before_check
    - name: check mode
      trustfix.trust.trustfix_trust:
        state: absent
        path: "{{ tmp }}/root.pem"
        store: "java:{{ tmp }}/app.jks"
        storepass_file: "{{ tmp }}/pass.txt"
      check_mode: true
      register: c
    - ansible.builtin.assert:
        that: [c is changed, "c.changes[0].action == 'remove'"]
    - ansible.builtin.stat:
        path: "{{ tmp }}/app.jks"
        checksum_algorithm: sha256
      register: after_check
    - ansible.builtin.assert:
        that: [after_check.stat.checksum == before_check.stat.checksum]
    - trustfix.trust.trustfix_trust:
        state: absent
        path: "{{ tmp }}/root.pem"
        store: "java:{{ tmp }}/app.jks"
        storepass_file: "{{ tmp }}/pass.txt"
      register: r
      diff: true
    - ansible.builtin.assert:
        that: [r is changed, "r.changes[0].action == 'remove'", root_sha in r.diff.before, r.diff.after == '']
    - name: again, by fingerprint
      trustfix.trust.trustfix_trust:
        state: absent
        sha256: ["{{ root_sha }}"]
        store: "java:{{ tmp }}/app.jks"
        storepass_file: "{{ tmp }}/pass.txt"
      register: r2
    - ansible.builtin.assert:
        that: [r2 is not changed, "r2.changes[0].action == 'absent'"]
EOF
then
  if ! in_jks "$jks" && keytool -list -keystore "$jks" -storepass changeit 2>/dev/null | grep -q "^unrelated," &&
    ! jvm "$jks" "$port_a"; then
    pass "trust: state=absent removes the root (keytool, JVM client refuses again), then changed=0"
  else fail "trust: keytool or the JVM client disagree after the removal" "" jvm.log; fi
else fail "trust: state=absent" "" absent.log; fi

# 7. fix_from: the root the server sends, pinned; check mode, real run, again.
jks2=$tmp/fix.jks
new_jks "$jks2"
sum2=$(sha "$jks2")
if play fix-check --check --diff <<'EOF'
    - trustfix.trust.trustfix_trust:
        fix_from: "{{ server }}:{{ port_b }}"
        connect: 127.0.0.1
        expect_sha256: "{{ root_sha }}"
        store: "java:{{ tmp }}/fix.jks"
        storepass: changeit
      register: r
    - ansible.builtin.assert:
        that:
          - r is changed
          - r.before.verdict == 'rejected'
          - "'chain.untrusted_root' in r.before.findings"
          - r.plan | length == 1
          - r.plan[0].role == 'root'
          - r.plan[0].sha256 == root_sha
          - root_sha in r.diff.after
EOF
then
  if [ "$(sha "$jks2")" = "$sum2" ]; then pass "fix_from --check: changed, the plan trusts the sent root, the JKS is byte-identical"
  else fail "fix_from --check wrote the JKS" "" fix-check.log; fi
else fail "fix_from --check" "" fix-check.log; fi

if play fix <<'EOF'
    - trustfix.trust.trustfix_trust:
        fix_from: "{{ server }}:{{ port_b }}"
        connect: 127.0.0.1
        expect_sha256: "{{ root_sha }}"
        store: "java:{{ tmp }}/fix.jks"
        storepass: changeit
      register: r
    - ansible.builtin.assert:
        that: [r is changed, r.after.verdict == 'trusted', r.journal_id is string, "r.changes[0].action == 'add'"]
    - name: again
      trustfix.trust.trustfix_trust:
        fix_from: "{{ server }}:{{ port_b }}"
        connect: 127.0.0.1
        expect_sha256: "{{ root_sha }}"
        store: "java:{{ tmp }}/fix.jks"
        storepass: changeit
      register: r2
    - ansible.builtin.assert:
        that: [r2 is not changed, r2.before.verdict == 'trusted', "r2.plan == []"]
EOF
then
  if in_jks "$jks2" && jvm "$jks2" "$port_b" && [ -s state/journal.jsonl ]; then
    pass "fix_from: trusts the missing root (keytool, JVM client connects, journaled), then changed=0"
  else fail "fix_from: keytool, the JVM client or the journal disagree" "" jvm.log; fi
else fail "fix_from" "" fix.log; fi

# 8. fix_from a server that omits its root: refused with trustfix's reason; with certs, fixed.
jks3=$tmp/omit.jks
new_jks "$jks3"
sum3=$(sha "$jks3")
if play fix-omitted <<'EOF'
    - trustfix.trust.trustfix_trust:
        fix_from: "{{ server }}:{{ port_a }}"
        connect: 127.0.0.1
        store: "java:{{ tmp }}/omit.jks"
      register: r
      ignore_errors: true
    - ansible.builtin.assert:
        that:
          - r is failed
          - r is not changed
          - "r.msg.startswith(\"trustfix: 'CN=Contoso Offline Root CA' is not at hand\")"
          - "'neither sent, nor in the store, nor reachable through AIA' in r.msg"
EOF
then
  if [ "$(sha "$jks3")" = "$sum3" ]; then pass "fix_from: a root neither sent nor given fails with trustfix's reason, the JKS unchanged"
  else fail "fix_from: the refused fix wrote the JKS" "" fix-omitted.log; fi
else fail "fix_from: refused fix" "" fix-omitted.log; fi

if play fix-certs <<'EOF'
    - trustfix.trust.trustfix_trust:
        fix_from: "{{ server }}:{{ port_a }}"
        connect: 127.0.0.1
        certs: ["{{ tmp }}/root.pem"]
        expect_sha256: "{{ root_sha }}"
        store: "java:{{ tmp }}/omit.jks"
      register: r
    - ansible.builtin.assert:
        that: [r is changed, "r.plan[0].source == 'given with --cert'", r.after.verdict == 'trusted']
EOF
then
  if in_jks "$jks3" && jvm "$jks3" "$port_a"; then pass "fix_from with certs: trusts the root the server omits (JVM client connects)"
  else fail "fix_from with certs: keytool or the JVM client disagree" "" jvm.log; fi
else fail "fix_from with certs" "" fix-certs.log; fi

# 9. at: judge the chain on a later date (needs trustfix check --at).
if "$trustfix" check --help 2>/dev/null | grep -q -- '--at '; then
  if play check-at <<'EOF'
    - trustfix.trust.trustfix_check:
        target: "{{ server }}:{{ port_a }}"
        connect: 127.0.0.1
        store: "java:{{ tmp }}/app.jks"
        storepass: changeit
        at: "{{ '%Y-%m-%d' | strftime(now().timestamp() + 400 * 86400) }}"
      register: r
      ignore_errors: true
    - ansible.builtin.assert:
        that: [r is failed, r.verdict == 'rejected', "'cert.expired' in r.findings | map(attribute='id')"]
EOF
  then pass "check at: a date past the server certificate's expiry is rejected with cert.expired"
  else fail "check at" "" check-at.log; fi
else
  skip "check at" "this trustfix has no 'check --at' yet"
fi

# 10. The README's example playbook: two Database Mail hosts, one lacking the root.
new_bundle() { cp other.pem "$1"; }
new_bundle sql01.pem
cat other.pem root.pem >sql02.pem
cat >example-vars.yml <<EOF
trustfix_binary: $trustfix
contoso_root: $tmp/root.pem
contoso_root_dest: $tmp/contoso-root.pem
exchange_endpoints:
  - {target: "exchange01.int.contoso.com:$port_a", connect: 127.0.0.1}
  - {target: "exchange01.int.contoso.com:$port_b", connect: 127.0.0.1}
EOF
if openssl verify -CAfile sql01.pem -untrusted sub.pem leaf.pem >/dev/null 2>&1; then
  fail "example: sql01's bundle should not verify the chain before the playbook"
elif "$venv/bin/ansible-playbook" -i inventory -e @example-vars.yml "$collections/examples/database-mail.yml" >example.log 2>&1; then
  if [ "$(recap_changed example sql01)" = 2 ] && [ "$(recap_changed example sql02)" = 0 ] &&
    openssl verify -CAfile sql01.pem -untrusted sub.pem leaf.pem >/dev/null 2>&1 &&
    [ "$(grep -c 'BEGIN CERTIFICATE' sql02.pem)" = 2 ]; then
    pass "example playbook: sql01 rejected then fixed (openssl verify agrees), sql02 untouched"
  else fail "example playbook: wrong changes" "" example.log; fi
else fail "example playbook" "" example.log; fi
cp example.log "$cache/example-output.txt" 2>/dev/null

# The README shows the playbook as it is in the file.
if "$py" - "$collections/examples/database-mail.yml" "$repo/README.md" <<'EOF'
import sys
play = open(sys.argv[1]).read()
play = play[play.index('- name: Database Mail hosts'):]
sys.exit(0 if play in open(sys.argv[2]).read() else 1)
EOF
then pass "README: the example playbook is shown exactly as in contrib/ansible/examples/database-mail.yml"
else fail "README: the example playbook differs from contrib/ansible/examples/database-mail.yml"; fi

# 10b. The same playbook with its own defaults (check the system store, trust
#      through linux-anchors and the real update-ca-certificates), inside a
#      private mount namespace whose trust directories and dpkg state are
#      copies on tmpfs (as tests/tools/linux_anchors.rs does): the host's stores are
#      never touched. Root only.
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || [ ! -x /usr/sbin/update-ca-certificates ]; then
  skip "example playbook with linux-anchors" "needs root, unshare and update-ca-certificates"
else
  printf '[dbmail]\nsql03 ansible_connection=local ansible_python_interpreter=%s\n' "$venv/bin/python" >inventory-ns
  cat >ns.sh <<EOF
set -u
mount --make-rprivate /
mkdir -p ns/certs ns/dpkg ns/cajava
cp -a /etc/ssl/certs/. ns/certs/
cp -a /var/lib/dpkg/. ns/dpkg/
cp -a /var/lib/ca-certificates-java/. ns/cajava/ 2>/dev/null || true
mount -t tmpfs tmpfs /usr/local/share/ca-certificates
mount --bind ns/certs /etc/ssl/certs
mount --bind ns/dpkg /var/lib/dpkg
mkdir -p /var/lib/ca-certificates-java && mount --bind ns/cajava /var/lib/ca-certificates-java
touch ns/dpkg.log && mount --bind ns/dpkg.log /var/log/dpkg.log
verify() { openssl s_client -connect 127.0.0.1:$port_a -verify_return_error -verify_ip 127.0.0.1 -CAfile /etc/ssl/certs/ca-certificates.crt </dev/null >/dev/null 2>&1 && echo VERIFY=ok || echo VERIFY=fail; }
verify
"$venv/bin/ansible-playbook" -i inventory-ns -e @example-vars.yml -e contoso_root_dest=$tmp/ns-root.pem "$collections/examples/database-mail.yml" >example-ns.log 2>&1; echo PLAY=\$?
verify
"$venv/bin/ansible-playbook" -i inventory-ns -e @example-vars.yml -e contoso_root_dest=$tmp/ns-root.pem "$collections/examples/database-mail.yml" >example-ns2.log 2>&1; echo PLAY2=\$?
EOF
  unshare -m bash ns.sh >ns.out 2>&1
  if [ "$(tr '\n' ' ' <ns.out)" = "VERIFY=fail PLAY=0 VERIFY=ok PLAY2=0 " ] &&
    [ "$(recap_changed example-ns sql03)" = 2 ] && [ "$(recap_changed example-ns2 sql03)" = 0 ] &&
    ! openssl verify -CAfile /etc/ssl/certs/ca-certificates.crt -untrusted sub.pem leaf.pem >/dev/null 2>&1; then
    pass "example playbook with linux-anchors: openssl refuses, the play trusts the root, openssl accepts; rerun changed=0"
  else fail "example playbook with linux-anchors: $(tr '\n' ' ' <ns.out)" "" example-ns.log; fi
fi

# 11. ansible-test sanity: every test that runs offline once its requirements are
#     installed from PyPI (validate-modules, pylint, pep8, import, yamllint, ...).
#     Its pip bootstrap script is fetched from a host this machine cannot reach;
#     the stand-in runs pip from the wheel PyPI serves, as that script does.
test_home=$cache/home
pip_version=$("$venv/bin/python" - <<'EOF'
import os, re, ansible_test
src = open(os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')).read()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
EOF
)
get_pip=$test_home/.ansible/test/cache/get_pip_${pip_version//./_}.py
if [ ! -f "$get_pip" ]; then
  mkdir -p "$(dirname "$get_pip")" "$cache/wheels"
  "$venv/bin/pip" download -q --disable-pip-version-check --no-deps --only-binary :all: -d "$cache/wheels" "pip==$pip_version" &&
    cat >"$get_pip" <<EOF
# Stand-in for get-pip.py $pip_version: pip install ARGS, run from pip's own wheel.
import sys
sys.path.insert(0, '$cache/wheels/pip-$pip_version-py3-none-any.whl')
from pip._internal.cli.main import main
sys.exit(main(['install'] + [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]))
EOF
fi
if (cd "$collection" && HOME=$test_home "$venv/bin/ansible-test" sanity --python "$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --requirements --color no) >sanity.log 2>&1 &&
  grep -q 'Running sanity test "validate-modules"' sanity.log && grep -q 'Running sanity test "pylint"' sanity.log; then
  pass "ansible-test sanity (validate-modules, pylint, pep8, import, yamllint, ...)"
else fail "ansible-test sanity" "" sanity.log; fi
rm -rf "$collection/tests/output"

finish
