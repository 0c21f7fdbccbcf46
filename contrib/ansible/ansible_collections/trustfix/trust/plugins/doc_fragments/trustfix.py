# -*- coding: utf-8 -*-
# Copyright: trustfix contributors
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Options shared by the trustfix modules."""


class ModuleDocFragment:
    """Documentation of the options in module_utils/trustfix.py."""

    # COMMON_SPEC: every module.
    DOCUMENTATION = r'''
options:
  binary:
    description:
      - The trustfix executable on the managed host, as a path or as a name looked up on E(PATH).
      - The modules need a trustfix that accepts C(--yes) on C(import) and C(remove) (0.1.0 with that flag, or newer).
    type: str
    default: trustfix
  storepass:
    description:
      - Password of a Java keystore (O(store=java) or V(java:PATH)).
      - Handed to trustfix in an environment variable (C(--storepass-env)), never on its command line, and kept out of
        the task's output and logs.
      - Without it (and without O(storepass_file)), trustfix uses C(javax.net.ssl.trustStorePassword) from O(java_opts)
        or E(JAVA_TOOL_OPTIONS), else V(changeit).
    type: str
  storepass_file:
    description:
      - File on the managed host whose first line is the keystore password (C(--storepass-file)).
      - Mutually exclusive with O(storepass).
    type: path
  java_opts:
    description:
      - JVM options to honour when finding the default JVM's truststore (O(store=java)), for example
        C(-Djavax.net.ssl.trustStore=/opt/app/truststore.jks), besides E(JAVA_TOOL_OPTIONS).
    type: str
'''

    # CONNECTION_SPEC: how to reach a server (trustfix_check, trustfix_trust fix_from).
    CONNECTION = r'''
options:
  servername:
    description:
      - Name to send as SNI and to verify, when it differs from the host connected to.
    type: str
  connect:
    description:
      - Connect to this address instead of resolving the host; the host name is still verified.
    type: str
  starttls:
    description:
      - How TLS starts. V(auto) (the default) decides from the URL scheme or the port; V(none) is direct TLS.
      - Also V(smtp), V(imap), V(pop3), V(ftp), V(ldap), V(postgres), V(mysql), V(xmpp), V(xmpp-server), V(mssql).
    type: str
  ehlo:
    description:
      - Name to announce in SMTP EHLO. trustfix's default is the managed host's name.
    type: str
  timeout:
    description:
      - Seconds allowed for each phase (DNS, connect, STARTTLS, handshake). trustfix's default is 10.
    type: float
  aia:
    description:
      - Fetch missing issuers through their AIA caIssuers URL (HTTP, from the managed host), as Windows does.
      - V(false) passes C(--no-aia).
    type: bool
    default: true
'''
