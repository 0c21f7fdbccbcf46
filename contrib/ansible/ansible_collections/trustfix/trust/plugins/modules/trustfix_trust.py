#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: trustfix contributors
# SPDX-License-Identifier: MIT OR Apache-2.0

DOCUMENTATION = r'''
module: trustfix_trust
short_description: Trust certificates in a Java keystore, PEM bundle or OS store, or fix what a server's chain lacks
version_added: 0.1.0
description:
  - With O(path) and O(state=present), runs C(trustfix import PATH --json) - every certificate of the file becomes a
    trusted entry of O(store), matched by SHA-256, so a certificate already there under any alias or file name is left
    alone.
  - With O(state=absent), runs C(trustfix remove --sha256 HEX --json) for each certificate of O(path) (read with
    C(trustfix show --json)) or for each fingerprint in O(sha256).
  - With O(fix_from), runs C(trustfix fix TARGET --json) - trustfix checks the server against O(store), computes the
    minimal change (the untrusted root and the intermediates neither sent nor in the store), refuses what no store change
    can fix (expired, name mismatch, weak signature, ...), applies it, journals it for C(trustfix undo) and checks again.
  - Every write is trustfix's - the store keeps its format, a timestamped backup is written beside it, the file is
    replaced atomically, and a failed write leaves the store as it was.
  - Reports V(changed) from trustfix's JSON, so a second run reports no change.
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
    description: Runs trustfix with C(--dry-run) - the plan is computed against the real store and nothing is written.
  diff_mode:
    support: full
    description: The plan as a diff - one line per certificate concerned, before and after.
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
  state:
    description:
      - V(present) trusts the certificates of O(path), or fixes O(fix_from). V(absent) removes the certificates of
        O(path) or with the fingerprints O(sha256).
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - A certificate file on the managed host (PEM, DER or PKCS#7; a bundle may hold several certificates).
    type: path
  sha256:
    description:
      - With O(state=absent) - SHA-256 fingerprints (hex, colons allowed) of the certificates to remove.
    type: list
    elements: str
  fix_from:
    description:
      - A server, as for M(trustfix.trust.trustfix_check) (V(host:port) or a URL). Its chain is checked against O(store)
        and what the store lacks is added - the root (sent by the server, fetched through AIA, or given in O(certs)) and
        the intermediates neither sent nor in the store.
      - Only with O(state=present). The task fails, changing nothing, when no store change can make the chain trusted;
        the message is trustfix's reason.
    type: str
  store:
    description:
      - The store to change - V(java) (the default JVM's truststore), V(java:PATH) (a JKS, JCEKS or PKCS12 keystore),
        V(ca-file:PATH) (a PEM bundle), V(linux-anchors) (the distribution's local anchors directory, then its refresh
        tool), V(macos) or V(macos:user) (keychain and trust settings).
      - V(windows) is accepted by trustfix, but these modules do not run on Windows hosts.
    type: str
    required: true
  alias:
    description:
      - Keystore alias of the new entry (one certificate only). trustfix's default is C(trustfix-<subject>-<sha256 prefix>).
    type: str
  role:
    description:
      - OS stores - V(root) or V(intermediate). V(auto) (trustfix's default) makes self-signed certificates roots.
    type: str
    choices: [auto, root, intermediate]
  scope:
    description:
      - OS stores - V(machine) (trustfix's default; what services see) or V(user).
    type: str
    choices: [machine, user]
  intermediate_as_anchor:
    description:
      - O(store=linux-anchors) - allow an intermediate into the anchors directory (it becomes a trust anchor there).
    type: bool
    default: false
  certs:
    description:
      - With O(fix_from) - issuer certificate files you obtained yourself (for a root the server does not send and AIA
        does not serve).
    type: list
    elements: path
  expect_sha256:
    description:
      - With O(fix_from) - refuse unless the root to be trusted has this SHA-256. Pin it when the root comes from the
        server or from AIA.
    type: str
  trust_leaf:
    description:
      - With O(fix_from) - allow anchoring the server's own (self-signed) certificate; it breaks at the next renewal.
    type: bool
    default: false
seealso:
  - module: trustfix.trust.trustfix_check
notes:
  - Set E(TRUSTFIX_STATE_DIR) in the task's C(environment) to choose where O(fix_from) journals its changes (default
    C(~/.local/state/trustfix)); C(trustfix undo JOURNAL_ID) reverses them.
'''

EXAMPLES = r'''
- name: Trust the Contoso root in a Java application's truststore
  trustfix.trust.trustfix_trust:
    path: /etc/pki/contoso-root.pem
    store: java:/opt/app/conf/truststore.jks
    storepass: "{{ vault_truststore_password }}"

- name: Trust it for every OpenSSL, .NET and Python client of a Linux host
  trustfix.trust.trustfix_trust:
    path: /etc/pki/contoso-root.pem
    store: linux-anchors

- name: Give the Database Mail host what Exchange's chain lacks, pinning the root
  trustfix.trust.trustfix_trust:
    fix_from: smtp://exchange01.int.contoso.com:25
    store: linux-anchors
    certs: [/etc/pki/contoso-root.pem]
    expect_sha256: 957f36aec2c4f2930a794c3e5493f23aae78184ec8bb541eaf9065e3c2038447

- name: Remove it again
  trustfix.trust.trustfix_trust:
    state: absent
    sha256: [957f36aec2c4f2930a794c3e5493f23aae78184ec8bb541eaf9065e3c2038447]
    store: java:/opt/app/conf/truststore.jks
    storepass: "{{ vault_truststore_password }}"
'''

RETURN = r'''
changes:
  description:
    - One entry per certificate concerned, from trustfix's JSON - C(action) (V(add), V(remove), V(present) - already
      trusted, V(absent) - nothing to remove), C(alias) (keystores), C(location) (OS stores), C(sha256), C(subject).
    - In check mode, what would be done.
  returned: always
  type: list
  elements: dict
  sample:
    - action: add
      alias: trustfix-contoso-offline-root-ca-957f36ae
      location: null
      sha256: 957f36aec2c4f2930a794c3e5493f23aae78184ec8bb541eaf9065e3c2038447
      subject: CN=Contoso Offline Root CA
backups:
  description: The copies of the store trustfix wrote before changing it.
  returned: always
  type: list
  elements: str
  sample: [/opt/app/conf/truststore.jks.trustfix-20261128T223246Z.bak]
notes:
  description: trustfix's notes (which JVM's truststore was used, distribution management, a deferred Java hook).
  returned: always
  type: list
  elements: str
plan:
  description: With O(fix_from) - the certificates to trust (C(subject), C(sha256), C(role), C(source)).
  returned: when O(fix_from) is used
  type: list
  elements: dict
before:
  description: With O(fix_from) - the check before (C(verdict), C(exit_code), C(findings) as ids, C(error)).
  returned: when O(fix_from) is used
  type: dict
  sample: {verdict: rejected, exit_code: 2, findings: [chain.untrusted_root], error: null}
after:
  description: With O(fix_from) - the check after applying, V(null) when nothing was applied.
  returned: when O(fix_from) is used
  type: dict
  sample: {verdict: trusted, exit_code: 0, findings: []}
journal_id:
  description: With O(fix_from) - the run id for C(trustfix undo), V(null) when nothing was applied.
  returned: when O(fix_from) is used
  type: str
reports:
  description: trustfix's JSON documents, one per command run (C(import), C(remove), C(fix)).
  returned: always
  type: list
  elements: dict
cmd:
  description: The trustfix command lines run (the password is never on them).
  returned: always
  type: list
  elements: list
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.trustfix.trust.plugins.module_utils import trustfix

# Options that belong to one way of using the module.
FIX_ONLY = ('certs', 'expect_sha256', 'trust_leaf', 'servername', 'connect', 'starttls', 'ehlo', 'timeout')
PATH_ONLY = ('alias', 'role', 'intermediate_as_anchor')


class Runner:
    """Runs trustfix commands for one task and collects what they report."""

    def __init__(self, module):
        self.module = module
        self.exe = trustfix.binary(module)
        self.pass_args, self.env = trustfix.storepass(module.params)
        self.reports = []
        self.cmds = []

    def run(self, args):
        """trustfix ARGS --json; returns (rc, document)."""
        cmd = [self.exe] + args + ['--json']
        self.cmds.append(cmd)
        rc, doc = trustfix.run_json(self.module, cmd, self.env)
        self.reports.append(doc)
        return rc, doc

    def mode(self):
        """--dry-run in check mode, else --yes: trustfix never asks without a terminal."""
        return ['--dry-run'] if self.module.check_mode else ['--yes']

    def store_args(self):
        p = self.module.params
        args = ['--store', p['store']] + self.pass_args
        args += trustfix.value_args(p, (('java_opts', '--java-opts'), ('scope', '--scope')))
        return args

    def fail(self, msg, **extra):
        self.module.fail_json(msg=trustfix.printable(msg), changed=any_changed(self.reports, self.module.check_mode),
                              reports=self.reports, cmd=self.cmds, **extra)


def edit_changes(docs):
    """The `changes` of import/remove documents, in order."""
    return [c for d in docs for c in d.get('changes', [])]


def would_change(docs):
    """A dry run writes nothing; its plan says whether a real run would."""
    return any(c.get('action') in ('add', 'remove') for c in edit_changes(docs))


def any_changed(reports, check_mode):
    """Whether this task changed (or, in check mode, would change) the store."""
    if check_mode:
        fixes = [d for d in reports if d.get('command') == 'fix']
        edits = [d for d in reports if d.get('command') != 'fix']
        return would_change(edits) or any(would_change(f.get('destinations', [])) for f in fixes)
    return any(d.get('changed') for d in reports)


def entry_line(change):
    """One line of the diff for one certificate."""
    where = change.get('alias') or change.get('location') or '-'
    return '%s  %s  sha256=%s\n' % (where, change.get('subject') or '?', change.get('sha256'))


def plan_diff(store, changes, check_mode):
    """Ansible's before/after diff: the certificates concerned, as they are and as they will be."""
    before = ''.join(entry_line(c) for c in changes if c.get('action') in ('present', 'remove'))
    after = ''.join(entry_line(c) for c in changes if c.get('action') in ('present', 'add'))
    return dict(
        before=before,
        after=after,
        before_header='%s (before)' % store,
        after_header='%s (%s)' % (store, 'planned' if check_mode else 'after'),
    )


def import_file(runner):
    """state=present, path=FILE: one `trustfix import`."""
    p = runner.module.params
    args = ['import', p['path']] + runner.store_args() + runner.mode()
    args += trustfix.value_args(p, (('alias', '--alias'), ('role', '--role')))
    if p['intermediate_as_anchor']:
        args.append('--intermediate-as-anchor')
    rc, doc = runner.run(args)
    if rc != 0 or doc.get('error'):
        runner.fail(trustfix.error_message(doc))
    return [doc]


def fingerprints(runner):
    """SHA-256 of each certificate to remove: O(sha256), or read from O(path) by `trustfix show`."""
    p = runner.module.params
    if p['sha256'] is not None:
        return [h.replace(':', '').lower() for h in p['sha256']]
    rc, doc = runner.run(['show', p['path']])
    if rc != 0 or doc.get('error'):
        runner.fail(trustfix.error_message(doc))
    runner.reports.pop()  # a read, not a change
    return [c['sha256'] for c in doc.get('chain', [])]


def remove(runner):
    """state=absent: one `trustfix remove` per certificate."""
    docs = []
    for sha in fingerprints(runner):
        rc, doc = runner.run(['remove', '--sha256', sha] + runner.store_args() + runner.mode())
        if rc != 0 or doc.get('error'):
            runner.fail(trustfix.error_message(doc))
        docs.append(doc)
    return docs


def fix(runner):
    """fix_from=TARGET: one `trustfix fix`; returns (import documents, fix document)."""
    p = runner.module.params
    args = ['fix', p['fix_from']] + runner.store_args() + runner.mode()
    args += trustfix.connection_args(p)
    args += trustfix.value_args(p, (('expect_sha256', '--expect-sha256'),))
    for cert in p['certs'] or []:
        args += ['--cert', cert]
    if p['trust_leaf']:
        args.append('--trust-leaf')
    doc = runner.run(args)[1]
    extra = dict((k, doc.get(k)) for k in ('plan', 'before', 'after', 'journal_id'))
    before = doc.get('before') or {}
    if doc.get('error'):  # the command line itself was refused
        runner.fail(trustfix.error_message(doc), **extra)
    if before.get('error'):
        runner.fail('trustfix: %s' % before['error'].get('message'), **extra)
    if before.get('verdict') in ('trusted', 'warning'):
        return [], doc  # already trusted by this store: nothing to do
    if doc.get('refused'):
        runner.fail('trustfix: %s' % doc['refused'], **extra)
    after = doc.get('after')
    if after is not None and after.get('verdict') not in ('trusted', 'warning'):
        runner.fail('%s is still %s after the fix: %s' % (
            p['fix_from'], after.get('verdict'), ', '.join(after.get('findings', []))), **extra)
    return doc.get('destinations' if runner.module.check_mode else 'applied', []), doc


def given(params, names):
    """The options among NAMES that are set."""
    return [n for n in names if params[n] not in (None, False)]


def check_options(module):
    """Options that make no sense together, with a clear message."""
    p = module.params
    if p['state'] == 'absent' and p['fix_from'] is not None:
        module.fail_json(msg='fix_from adds what a chain lacks (state=present); '
                             'to remove certificates use path or sha256 with state=absent')
    if p['state'] == 'present' and p['sha256'] is not None:
        module.fail_json(msg='sha256 is for state=absent; to trust certificates give path or fix_from')
    fix_only = given(p, FIX_ONLY)
    if p['fix_from'] is None and fix_only:
        module.fail_json(msg='%s: only with fix_from' % ', '.join(fix_only))
    path_only = given(p, PATH_ONLY)
    if not (p['path'] is not None and p['state'] == 'present') and path_only:
        module.fail_json(msg='%s: only with path and state=present' % ', '.join(path_only))


def main():
    spec = dict(
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        path=dict(type='path'),
        sha256=dict(type='list', elements='str'),
        fix_from=dict(type='str'),
        store=dict(type='str', required=True),
        alias=dict(type='str'),
        role=dict(type='str', choices=['auto', 'root', 'intermediate']),
        scope=dict(type='str', choices=['machine', 'user']),
        intermediate_as_anchor=dict(type='bool', default=False),
        certs=dict(type='list', elements='path'),
        expect_sha256=dict(type='str'),
        trust_leaf=dict(type='bool', default=False),
    )
    spec.update(trustfix.COMMON_SPEC)
    spec.update(trustfix.CONNECTION_SPEC)
    module = AnsibleModule(
        argument_spec=spec,
        mutually_exclusive=[('path', 'sha256', 'fix_from'), ('storepass', 'storepass_file')],
        required_one_of=[('path', 'sha256', 'fix_from')],
        supports_check_mode=True,
    )
    check_options(module)
    runner = Runner(module)
    result = dict(backups=[], notes=[])
    if module.params['fix_from'] is not None:
        edits, doc = fix(runner)
        result.update(dict((k, doc.get(k)) for k in ('plan', 'before', 'after', 'journal_id')))
        result['notes'] += doc.get('notes', [])
    elif module.params['state'] == 'present':
        edits = import_file(runner)
    else:
        edits = remove(runner)
    for doc in edits:
        result['notes'] += doc.get('notes', [])
        if doc.get('backup'):
            result['backups'].append(doc['backup'])
    changes = edit_changes(edits)
    result.update(changed=any_changed(runner.reports, module.check_mode), changes=changes,
                  reports=runner.reports, cmd=runner.cmds)
    if module._diff:
        result['diff'] = plan_diff(module.params['store'], changes, module.check_mode)
    words = (('add', 'to add', 'added'), ('remove', 'to remove', 'removed'),
             ('present', 'already trusted', 'already trusted'), ('absent', 'not in the store', 'not in the store'))
    counts = ['%d %s' % (n, planned if module.check_mode else done)
              for action, planned, done in words
              for n in [sum(1 for c in changes if c.get('action') == action)] if n]
    result['msg'] = trustfix.printable('%s: %s' % (module.params['store'], ', '.join(counts) or 'nothing to do'))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
