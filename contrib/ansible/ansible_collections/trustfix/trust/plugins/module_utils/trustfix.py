# -*- coding: utf-8 -*-
# Copyright: trustfix contributors
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Shared by the trustfix modules: find the binary, pass options and the
keystore password, run it with --json and read only its JSON document."""

import json
import os
import unicodedata

# The keystore password travels in this variable of trustfix's environment
# (--storepass-env), never on its command line where `ps` would show it.
STOREPASS_ENV = 'ANSIBLE_TRUSTFIX_STOREPASS'

# Options every module takes.
COMMON_SPEC = dict(
    binary=dict(type='str', default='trustfix'),
    storepass=dict(type='str', no_log=True),
    storepass_file=dict(type='path', no_log=False),
    java_opts=dict(type='str'),
)

# How to reach a server: check and fix_from.
CONNECTION_SPEC = dict(
    servername=dict(type='str'),
    connect=dict(type='str'),
    starttls=dict(type='str'),
    ehlo=dict(type='str'),
    timeout=dict(type='float'),
    aia=dict(type='bool', default=True),
)

# Module option -> trustfix flag, for options passed through as `--flag VALUE`.
VALUE_FLAGS = (
    ('servername', '--servername'),
    ('connect', '--connect'),
    ('starttls', '--starttls'),
    ('ehlo', '--ehlo'),
    ('timeout', '--timeout'),
    ('java_opts', '--java-opts'),
)


def binary(module):
    """The trustfix executable: a path, or a name looked up on PATH."""
    name = module.params['binary']
    if os.sep in name:
        if not (os.path.isfile(name) and os.access(name, os.X_OK)):
            module.fail_json(msg='binary %s: not an executable file' % name)
        return name
    return module.get_bin_path(name, required=True)


def value_args(params, flags=VALUE_FLAGS):
    """`--flag VALUE` for each option that is set."""
    args = []
    for option, flag in flags:
        value = params.get(option)
        if value is not None:
            args += [flag, str(value)]
    return args


def connection_args(params):
    """Flags that say how to reach the server."""
    args = value_args(params)
    if not params.get('aia', True):
        args.append('--no-aia')
    return args


def storepass(params):
    """(flags, environment) that hand the keystore password to trustfix."""
    if params.get('storepass') is not None:
        return ['--storepass-env', STOREPASS_ENV], {STOREPASS_ENV: params['storepass']}
    if params.get('storepass_file') is not None:
        return ['--storepass-file', params['storepass_file']], {}
    return [], {}


def printable(text):
    """TEXT with control and format characters escaped (ESC as \\u001b). Ansible
    prints a failed task's msg raw on the terminal, and names in it come from
    certificates a server sent."""
    return ''.join('\\u%04x' % ord(ch) if unicodedata.category(ch) in ('Cc', 'Cf') else ch
                   for ch in text)


def first_line(text):
    """The first non-empty line of TEXT, or ''."""
    for line in (text or '').splitlines():
        if line.strip():
            return printable(line.strip())
    return ''


def run_json(module, args, env=None):
    """Runs trustfix ARGS (which include --json) and returns (rc, document).

    Fails the task when no JSON document came back (a command line trustfix
    itself rejects, a crash): then the message is trustfix's own first line
    of standard error."""
    rc, out, err = module.run_command(args, environ_update=env or {}, check_rc=False)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        module.fail_json(
            msg=first_line(err) or '%s printed no JSON document (exit %d)' % (args[0], rc),
            rc=rc,
            stdout=out,
            stderr=err,
            cmd=args,
        )
    return rc, doc


def error_message(doc):
    """trustfix's one-line error, as it prints it on standard error."""
    error = doc.get('error') or {}
    return printable('trustfix: %s' % error.get('message', 'unknown error'))
