#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: trustfix contributors
# SPDX-License-Identifier: MIT OR Apache-2.0

DOCUMENTATION = r'''
module: trustfix_check
short_description: Check a TLS endpoint against the trust store a client on this host uses
version_added: 0.1.0
description:
  - Runs C(trustfix check TARGET --json) on the managed host. trustfix connects to the server (directly or through
    STARTTLS), captures the chain it sends, builds the certification path against the store, and names every problem
    with the message .NET, Java and OpenSSL clients print for it.
  - Returns the verdict, the findings and trustfix's exit code, read from its JSON document only (schema 1, see
    C(docs/json.md) in the trustfix repository).
  - Fails the task when the verdict is in O(fail_on) (by default V(rejected) and V(error)); never reports a change.
  - Runs on POSIX hosts (Linux, macOS, BSD). Windows hosts are not supported, see the collection's README.
author:
  - trustfix contributors (!UNKNOWN)
requirements:
  - trustfix on the managed host (see O(binary))
extends_documentation_fragment:
  - trustfix.trust.trustfix
  - trustfix.trust.trustfix.connection
attributes:
  check_mode:
    support: full
    description: The check changes nothing, so it runs in check mode too.
  diff_mode:
    description: A check changes nothing, so there is nothing to show.
    support: none
  platform:
    description: The module runs trustfix on the managed host, which must be a POSIX host (Linux, macOS, BSD).
    support: full
    platforms: posix
  action_group:
    description: Use C(group/trustfix.trust.trustfix) in C(module_defaults) to set options for both modules.
    support: full
    membership:
      - trustfix.trust.trustfix
options:
  target:
    description:
      - The server, as for C(trustfix check) - V(host), V(host:port), V([v6addr]:port) or a URL such as
        V(smtp://exchange01.int.contoso.com:25), V(https://intranet.contoso.com), V(ldaps://dc01:636).
    type: str
    required: true
  store:
    description:
      - The trust store to judge against - V(system) (trustfix's default), V(java) (the default JVM's truststore),
        V(java:PATH) (a keystore file), V(ca-file:PATH), V(ca-dir:PATH).
    type: str
  at:
    description:
      - Judge validity at this time instead of now, as an RFC 3339 time or a date (V(2027-06-01)); for example the day
        of a planned change.
      - Needs a trustfix with C(check --at); an older one fails the task with its usage error.
    type: str
  revocation:
    description:
      - Revocation checking of the path built (trustfix's default is V(auto)).
    type: str
    choices: [auto, ocsp, crl, 'off']
  warn_days:
    description:
      - Warn when a certificate of the path expires within this many days (trustfix's default is 30).
    type: int
  fail_on:
    description:
      - Verdicts that fail the task. V([]) never fails and only reports.
      - V(error) is "could not check" (DNS, refused, timeout, not TLS, unreadable store).
    type: list
    elements: str
    choices: [warning, rejected, error]
    default: [rejected, error]
seealso:
  - module: trustfix.trust.trustfix_trust
notes:
  - The check runs from the managed host, so it sees the network, DNS and trust store that host's clients see.
'''

EXAMPLES = r'''
- name: Can Database Mail on this host send through Exchange? (system store, STARTTLS on 587)
  trustfix.trust.trustfix_check:
    target: smtp://exchange01.int.contoso.com:587

- name: Check what a Java application's truststore makes of the LDAP server, keep going on a rejection
  trustfix.trust.trustfix_check:
    target: ldaps://dc01.int.contoso.com
    store: java:/opt/app/conf/truststore.jks
    storepass: "{{ vault_truststore_password }}"
    fail_on: [error]
  register: ldap

- name: Show why it was rejected
  ansible.builtin.debug:
    msg: "{{ ldap.findings | selectattr('severity', 'eq', 'error') | map(attribute='id') | list }}"
  when: ldap.verdict == 'rejected'

- name: Will the chain still be trusted on the day of the migration?
  trustfix.trust.trustfix_check:
    target: intranet.contoso.com:443
    at: "2027-06-01"
    fail_on: [warning, rejected, error]
'''

RETURN = r'''
verdict:
  description: trustfix's verdict.
  returned: always
  type: str
  sample: rejected
  choices: [trusted, warning, rejected, error]
exit_code:
  description: trustfix's exit code - 0 trusted, 1 warnings only, 2 a client would reject the chain, 3 could not check.
  returned: always
  type: int
  sample: 2
findings:
  description: The findings, as in trustfix's JSON - C(id), C(severity), C(certificate), C(message), C(fix), C(clients).
  returned: always
  type: list
  elements: dict
  sample:
    - id: chain.untrusted_root
      severity: error
      certificate: {depth: 2, subject: CN=Contoso Offline Root CA, sha256: null}
      message: "the root 'CN=Contoso Offline Root CA' with key identifier 36:97:... is not trusted by java truststore
        /opt/app/conf/truststore.jks (JKS) and was not sent (normal: servers omit their root); ..."
      fix: "obtain root 'CN=Contoso Offline Root CA' out of band (from the PKI admin; ...) and import it as a trusted
        root into the Java truststore the client loads ..."
      clients: {dotnet: "RemoteCertificateChainErrors, X509ChainStatus PartialChain: ...", java: "PKIX path building
        failed: ...", openssl: "verify error:num=20:unable to get local issuer certificate"}
error:
  description: Why the check could not be done (C(phase), C(message)); V(null) unless the verdict is V(error).
  returned: always
  type: dict
  sample: {phase: connect, message: "connect: cannot connect to 127.0.0.1:1 (Connection refused)"}
path_status:
  description: How the path built ends - V(trusted), V(untrusted_root) or V(incomplete); V(null) when no path was built.
  returned: always
  type: str
  sample: incomplete
days_left:
  description: Days until the earliest expiry in the path built (negative when expired); V(null) when no path was built.
  returned: always
  type: int
  sample: 364
report:
  description: trustfix's whole JSON document (target, tls, store, chain, path, alternatives, findings, verdict).
  returned: always
  type: dict
msg:
  description:
    - "V(TARGET: trusted); or V(TARGET: VERDICT: ) and the worst findings as V(id: message); or trustfix's one-line
      error (V(trustfix: ...)) when the check could not be done."
  returned: always
  type: str
  sample: "exchange01.int.contoso.com:25: rejected: chain.untrusted_root: the root 'CN=Contoso Offline Root CA' ..."
cmd:
  description: The trustfix command line run (the password is never on it).
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.trustfix.trust.plugins.module_utils import trustfix


def build_command(module):
    """trustfix check TARGET ... --json, from the module's options."""
    p = module.params
    args = [trustfix.binary(module), 'check', p['target'], '--json']
    args += trustfix.connection_args(p)
    args += trustfix.value_args(p, (
        ('store', '--store'),
        ('at', '--at'),
        ('revocation', '--revocation'),
        ('warn_days', '--warn-days'),
    ))
    pass_args, env = trustfix.storepass(p)
    return args + pass_args, env


def summary(target, doc):
    """One line for a failed task: the verdict and the worst findings."""
    verdict = doc.get('verdict')
    if verdict == 'error':
        return trustfix.error_message(doc)
    if verdict == 'trusted':
        return trustfix.printable('%s: trusted' % target)
    worst = 'error' if verdict == 'rejected' else 'warning'
    reasons = ['%s: %s' % (f.get('id'), f.get('message'))
               for f in doc.get('findings', []) if f.get('severity') == worst]
    return trustfix.printable('%s: %s: %s' % (target, verdict, '; '.join(reasons)))


def days_left(doc):
    """The fewest days left on any certificate of the path built."""
    path = doc.get('path') or {}
    days = [c['days_left'] for c in path.get('certificates', []) if isinstance(c.get('days_left'), int)]
    return min(days) if days else None


def main():
    spec = dict(
        target=dict(type='str', required=True),
        store=dict(type='str'),
        at=dict(type='str'),
        revocation=dict(type='str', choices=['auto', 'ocsp', 'crl', 'off']),
        warn_days=dict(type='int'),
        fail_on=dict(type='list', elements='str', choices=['warning', 'rejected', 'error'],
                     default=['rejected', 'error']),
    )
    spec.update(trustfix.COMMON_SPEC)
    spec.update(trustfix.CONNECTION_SPEC)
    module = AnsibleModule(
        argument_spec=spec,
        mutually_exclusive=[('storepass', 'storepass_file')],
        supports_check_mode=True,
    )
    args, env = build_command(module)
    rc, doc = trustfix.run_json(module, args, env)
    verdict = doc.get('verdict')
    result = dict(
        changed=False,
        verdict=verdict,
        exit_code=doc.get('exit_code', rc),
        findings=doc.get('findings', []),
        error=doc.get('error'),
        path_status=(doc.get('path') or {}).get('status'),
        days_left=days_left(doc),
        report=doc,
        cmd=args,
    )
    msg = summary(module.params['target'], doc)
    if verdict in module.params['fail_on']:
        module.fail_json(msg=msg, **result)
    module.exit_json(msg=msg, **result)


if __name__ == '__main__':
    main()
