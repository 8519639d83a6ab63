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

describe('kubeconfig policy: hostile kubeconfigs', () => {
  const policy = { allowInsecure: false };
  /** Runs the check, which must return (not throw) within a generous time. */
  const checked = (text: string, p: Parameters<typeof checkKubeconfig>[1] = policy) => {
    const started = performance.now();
    const r = checkKubeconfig(text, p);
    const ms = performance.now() - started;
    assert.ok(ms < 3000, `checked in ${ms.toFixed(0)} ms`);
    return r;
  };
  const refusedWith = (text: string, reason: RegExp, p?: Parameters<typeof checkKubeconfig>[1]) => {
    const r = checked(text, p);
    assert.ok(!r.ok, 'refused');
    assert.match(!r.ok ? r.error : '', reason);
    return r;
  };

  /** "Billion laughs": nine levels of nine aliases each, the token the last (anchors first, as YAML needs). */
  const aliasBomb = () => {
    let anchors = 'a0: &a0 [x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++) anchors += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
    return anchors + base('    token: *a8\n');
  };

  it('an alias bomb is refused, not thrown', () => {
    refusedWith(aliasBomb(), /kubeconfig (has more than \d+ YAML aliases|expands its YAML aliases too much)/);
    // Within the alias count, the expansion guard of the yaml library still holds (and is caught).
    let few = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 6; i++) few += `a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]\n`;
    refusedWith(few, /kubeconfig (has more than \d+ YAML aliases|expands its YAML aliases too much)/);
  });

  it('deep nesting, many tokens and size are refused by their bound, quickly', () => {
    refusedWith('['.repeat(5000), /kubeconfig is nested more than 32 levels deep \(at line 1\)/);
    refusedWith('x:\n' + Array.from({ length: 40 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n'), /nested more than 32 levels deep \(at line \d+\)/);
    refusedWith('- '.repeat(100), /nested more than 32 levels deep/);
    refusedWith(Array.from({ length: 12_000 }, (_, i) => `k${i}: v`).join('\n'), /kubeconfig has more than 20000 YAML tokens/);
    refusedWith(base(`    token: ${'x'.repeat(300 * 1024)}\n`), /kubeconfig is too large: limit exceeded: at most 262144 bytes per remote kubeconfig \(got \d+\); raise it with --max-kubeconfig-bytes/);
    refusedWith(base('    token: t\n'), /at most 100 bytes per remote kubeconfig/, { allowInsecure: false, maxBytes: 100 });
  });

  it('nesting that crashes the YAML library (a fatal V8 out-of-memory, in a child process) is refused before it is parsed', async function () {
    this.timeout(120_000);
    // 1000 '{' then 1000 '[' in one process ended Node with "RegExpCompiler Allocation failed"; only a
    // child process can show that it no longer happens.
    const { spawnSync } = await import('node:child_process');
    const script = `import { checkKubeconfig } from ${JSON.stringify(new URL('../../src/kube/kubeconfig-policy.ts', import.meta.url).href)};
for (const ch of ['{', '[', '{', '[']) { const r = checkKubeconfig(ch.repeat(1000), { allowInsecure: false }); console.log(r.ok ? 'accepted' : r.error); }`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.status, 0, `exit ${child.status} ${child.signal ?? ''}: ${child.stderr.slice(0, 400)}`);
    const lines = child.stdout.trim().split('\n');
    assert.equal(lines.length, 4);
    for (const l of lines) assert.match(l, /nested more than 32 levels deep/);
  });

  it('what is checked is what is used: a merge key cannot hide an exec plugin, token-file cannot read the disk', () => {
    const merged = base('    <<: {exec: {command: /bin/evil, apiVersion: client.authentication.k8s.io/v1}}\n    token: t\n');
    refusedWith(merged, /user "u" uses an exec plugin/);
    const anchored = base('    <<: *ex\n    token: t\n').replace('users:', 'x: &ex {exec: {command: /bin/evil}}\nusers:');
    refusedWith(anchored, /user "u" uses an exec plugin/);
    refusedWith(base('    token-file: /etc/hostname\n'), /user "u" reads a token file from the local disk \(token-file; allowed with --allow-insecure-kubeconfig\)/);
    // Only the fields this policy knows reach client-node: nothing else of the user or cluster.
    const ok = checked(base('    token: t\n    unknown-field: {exec: x}\n'));
    assert.ok(ok.ok);
    const user = ok.ok ? ok.kubeConfig.getCurrentUser() : undefined;
    assert.equal(user?.token, 't');
    assert.equal(user?.exec, undefined);
    assert.deepEqual(ok.ok ? ok.kubeConfig.getContexts().map((c) => c.name) : [], ['ctx'], 'only the current context');
  });

  it('wrong types are refused naming the field; nothing quotes the content', () => {
    const secret = 'SeCrEt-' + 'z'.repeat(20);
    refusedWith(base(`    token: [${secret}]\n`), /user "u" field token is not a string/);
    refusedWith(base('    token: 12345\n'), /user "u" field token is not a string/);
    refusedWith(base('    token: t\n', `    server: [https://${secret}]\n`), /cluster "c" field server is not a string/);
    refusedWith(base('    token: t\n', `    server: https://10.0.0.1\n    insecure-skip-tls-verify: "${secret}"\n`), /insecure-skip-tls-verify is not true or false/);
    refusedWith(base('    token: t\n').replace('current-context: ctx', `current-context: [${secret}]`), /current-context is not a string/);
    refusedWith(base('    auth-provider: oidc\n'), /auth-provider is not a map/);
    for (const text of [base(`    token: [${secret}]\n`), `\u0000\u0001${secret}\uffff`, Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString('latin1') + secret, `"${secret}`]) {
      const r = checked(text);
      assert.ok(!r.ok);
      assert.ok(!r.ok && !r.error.includes(secret), r.ok ? '' : r.error);
    }
  });

  it('a server, proxy or oidc issuer on a link-local or metadata address is refused, unless allowed', () => {
    const at = (server: string) => base('    token: t\n', `    server: ${server}\n`);
    refusedWith(at('https://169.254.169.254'), /cluster "c" server: 169\.254\.169\.254 is a link-local or cloud metadata address \(allowed with --allow-link-local-api-servers\)/);
    refusedWith(at('https://[::ffff:169.254.169.254]:443'), /link-local or cloud metadata/);
    refusedWith(at('https://metadata.google.internal'), /metadata service name/);
    refusedWith(base('    token: t\n', '    server: https://10.0.0.1\n    proxy-url: http://169.254.169.254:80\n'), /cluster "c" proxy-url: 169\.254\.169\.254 is a link-local/);
    refusedWith(base('    auth-provider: {name: oidc, config: {idp-issuer-url: "http://[fd00:ec2::254]/"}}\n'), /auth-provider idp-issuer-url: fd00:ec2::254 is a link-local/);
    assert.ok(checked(at('https://169.254.169.254'), { allowInsecure: false, allowLinkLocal: true }).ok);
    refusedWith(at('https://127.0.0.3:6443'), /127\.0\.0\.3 is on the deny list/, { allowInsecure: false, allowLinkLocal: true, extraDenied: ['127.0.0.3'] });
  });

  it('plain http without insecure-skip-tls-verify is refused at once (client-node would refuse every request)', () => {
    refusedWith(base('    token: t\n', '    server: http://10.0.0.1:8080\n'), /server is http without insecure-skip-tls-verify: true/);
    assert.ok(checked(base('    token: t\n', '    server: http://10.0.0.1:8080\n    insecure-skip-tls-verify: true\n')).ok);
  });
});
