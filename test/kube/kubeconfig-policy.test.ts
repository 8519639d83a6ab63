import { strict as assert } from 'node:assert';
import { checkKubeconfig } from '../../src/kube/kubeconfig-policy.js';

const base = (user: string, cluster = '    server: https://10.0.0.1:6443\n    certificate-authority-data: QUJD\n') =>
  `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n${cluster}contexts:\n- name: ctx\n  context: {cluster: c, user: u}\ncurrent-context: ctx\nusers:\n- name: u\n  user:\n${user}`;

describe('kubeconfig policy (remote Secrets)', () => {
  it('accepts a token kubeconfig and an oidc auth provider', () => {
    const ok = checkKubeconfig(base('    token: s3cr3t-token\n'), { allowInsecure: false });
    assert.ok(ok.ok);
    assert.equal(ok.ok && ok.server, 'https://10.0.0.1:6443');
    assert.equal(ok.ok && ok.kubeConfig.getCurrentUser()?.token, 's3cr3t-token');
    assert.ok(checkKubeconfig(base('    auth-provider:\n      name: oidc\n      config: {idp-issuer-url: https://x}\n'), { allowInsecure: false }).ok);
  });

  it('takes the only context when current-context is missing; refuses ambiguity', () => {
    const noCurrent = base('    token: t\n').replace('current-context: ctx\n', '');
    assert.ok(checkKubeconfig(noCurrent, { allowInsecure: false }).ok);
    const two = noCurrent.replace('contexts:\n', 'contexts:\n- name: other\n  context: {cluster: c, user: u}\n');
    const r = checkKubeconfig(two, { allowInsecure: false });
    assert.ok(!r.ok && /not exactly one context/.test(r.error));
  });

  it('refuses what runs programs or reads local files, unless allowed; never quotes content', () => {
    const cases: Array<[string, RegExp]> = [
      [base('    exec: {command: /bin/evil, apiVersion: client.authentication.k8s.io/v1}\n'), /user "u" uses an exec plugin \(allowed with --allow-insecure-kubeconfig\)/],
      [base('    auth-provider: {name: azure}\n'), /user "u" uses auth provider "azure" \(only oidc is allowed; others are allowed with --allow-insecure-kubeconfig\)/],
      [base('    tokenFile: /var/run/token\n'), /user "u" reads a token file from the local disk \(tokenFile; allowed with --allow-insecure-kubeconfig\)/],
      [base('    client-key: /k\n'), /user "u" reads a client key file from the local disk \(client-key; /],
      [base('    token: t\n', '    server: https://10.0.0.1:6443\n    certificate-authority: /ca.pem\n'), /cluster "c" reads a certificate authority file from the local disk \(certificate-authority; /],
    ];
    for (const [text, reason] of cases) {
      const r = checkKubeconfig(text, { allowInsecure: false });
      assert.ok(!r.ok, text);
      assert.match(!r.ok ? r.error : '', reason);
      assert.ok(!r.ok && !/evil|\/var\/run\/token|\/ca\.pem/.test(r.error), `no content in: ${!r.ok && r.error}`);
      assert.ok(checkKubeconfig(text, { allowInsecure: true }).ok, 'allowed with --allow-insecure-kubeconfig');
    }
  });

  it('reports YAML errors by position only, without echoing the text', () => {
    const r = checkKubeconfig('users:\n- name: u\n  user: {token: "sup3rs3cret\n', { allowInsecure: false });
    assert.ok(!r.ok);
    assert.match(!r.ok ? r.error : '', /line \d+, column \d+/);
    assert.ok(!r.ok && !r.error.includes('sup3rs3cret'));
  });

  it('refuses missing pieces with a precise reason', () => {
    const table: Array<[string, RegExp]> = [
      ['   ', /empty/],
      ['- a\n- b\n', /not a YAML map/],
      [base('    token: t\n').replace('server: https://10.0.0.1:6443', 'server: not a url'), /no valid server URL/],
      [base('    token: t\n').replace('server: https://10.0.0.1:6443', 'server: ftp://x'), /must be http or https/],
      [base('    token: t\n').replace('context: {cluster: c, user: u}', 'context: {cluster: nope, user: u}'), /cluster "nope", which is not defined/],
      [base('    token: t\n').replace('context: {cluster: c, user: u}', 'context: {cluster: c, user: nobody}'), /user "nobody", which is not defined/],
    ];
    for (const [text, reason] of table) {
      const r = checkKubeconfig(text, { allowInsecure: false });
      assert.ok(!r.ok, text);
      assert.match(!r.ok ? r.error : '', reason);
    }
  });
});
