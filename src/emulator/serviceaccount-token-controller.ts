// The service-account token controller: a Secret of type kubernetes.io/service-account-token that
// names an existing ServiceAccount (annotation kubernetes.io/service-account.name) gets `data.token`,
// `data.ca.crt` and `data.namespace`, as on a real cluster, and the API server accepts that token as a
// bearer token for the service account (see `identityOf`). Deleting the Secret revokes the token;
// deleting the ServiceAccount deletes its token Secrets.
//
// Tokens are random strings rather than signed JWTs: only this cluster has to understand them. A
// token the controller did not issue (written into the Secret by a client) is replaced, so a client
// cannot choose a token that the server would then accept.
import { randomBytes } from 'node:crypto';
import type { ClusterState, Controller } from './cluster-state.js';
import { objectKey, type KObject } from './k8s-object.js';
import type { StoreEvent } from './object-store.js';
import { serviceAccountIdentity, type Identity } from './rbac-authorizer.js';
import type { ResourceType } from './resource-types.js';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

interface Issued {
  namespace: string;
  secret: string;
  serviceAccount: string;
}

const decode = (b64: unknown): string | undefined => (typeof b64 === 'string' ? Buffer.from(b64, 'base64').toString('utf8') : undefined);

export class ServiceAccountTokenController implements Controller {
  readonly name = 'serviceaccount-token';
  /** token -> the Secret that carries it. */
  private readonly issued = new Map<string, Issued>();
  /** Token Secrets to (re)check, by namespace/name. */
  private readonly dirtySecrets = new Set<string>();
  /** Service accounts that were deleted: their token Secrets go too. */
  private readonly deletedAccounts: Array<{ namespace: string; name: string }> = [];

  constructor(
    private readonly state: ClusterState,
    /** PEM of the cluster's CA certificate, handed out as `ca.crt`. */
    private readonly caCertificate: string,
  ) {}

  /** The service account a bearer token stands for, if it is a live token of this cluster. */
  identityOf(token: string): Identity | undefined {
    const i = this.issued.get(token);
    if (!i) return undefined;
    const secret = this.state.tryGet(this.secretType, i.namespace, i.secret);
    if (!secret || decode((secret.data as Record<string, unknown> | undefined)?.token) !== token) return undefined;
    return serviceAccountIdentity(i.namespace, i.serviceAccount);
  }

  private get secretType(): ResourceType {
    return this.state.typeOfKind('Secret');
  }

  private get accountType(): ResourceType {
    return this.state.typeOfKind('ServiceAccount');
  }

  observe(event: StoreEvent, type: ResourceType): void {
    const o = event.object;
    const ns = o.metadata.namespace ?? 'default';
    if (type.kind === 'Secret') {
      if (event.type === 'DELETED') {
        const token = decode((o.data as Record<string, unknown> | undefined)?.token);
        if (token && this.issued.get(token)?.secret === o.metadata.name && this.issued.get(token)?.namespace === ns) this.issued.delete(token);
        return;
      }
      if (o.type === SERVICE_ACCOUNT_TOKEN_TYPE) this.dirtySecrets.add(objectKey(ns, o.metadata.name!));
      return;
    }
    if (type.kind !== 'ServiceAccount') return;
    if (event.type === 'DELETED') {
      this.deletedAccounts.push({ namespace: ns, name: o.metadata.name! });
      return;
    }
    // A Secret created before its service account gets its token once the account exists.
    for (const s of this.state.store.collection(this.secretType).values(ns)) {
      if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE && s.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] === o.metadata.name) {
        this.dirtySecrets.add(objectKey(ns, s.metadata.name!));
      }
    }
  }

  reconcile(): boolean {
    let worked = false;
    for (const gone of this.deletedAccounts.splice(0)) {
      for (const s of [...this.state.store.collection(this.secretType).values(gone.namespace)]) {
        if (s.type !== SERVICE_ACCOUNT_TOKEN_TYPE || s.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] !== gone.name) continue;
        this.state.delete(this.secretType, gone.namespace, s.metadata.name!);
        worked = true;
      }
    }
    const keys = [...this.dirtySecrets];
    this.dirtySecrets.clear();
    for (const key of keys) {
      const slash = key.indexOf('/');
      const secret = this.state.tryGet(this.secretType, key.slice(0, slash), key.slice(slash + 1));
      if (secret && this.fill(secret)) worked = true;
    }
    return worked;
  }

  /** Writes token, ca.crt and namespace into the Secret when its service account exists. */
  private fill(secret: KObject): boolean {
    const ns = secret.metadata.namespace!;
    const name = secret.metadata.name!;
    const accountName = secret.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION];
    if (!accountName) return false;
    const account = this.state.tryGet(this.accountType, ns, accountName);
    if (!account) return false;
    const data = { ...((secret.data as Record<string, string> | undefined) ?? {}) };
    let token = decode(data.token);
    const mine = token !== undefined && this.issued.get(token)?.secret === name && this.issued.get(token)?.namespace === ns;
    if (!mine) {
      for (const [t, i] of this.issued) if (i.namespace === ns && i.secret === name) this.issued.delete(t);
      token = randomBytes(32).toString('base64url');
      this.issued.set(token, { namespace: ns, secret: name, serviceAccount: accountName });
    }
    data.token = Buffer.from(token!).toString('base64');
    data['ca.crt'] = Buffer.from(this.caCertificate).toString('base64');
    data.namespace = Buffer.from(ns).toString('base64');
    const next: KObject = {
      ...secret,
      metadata: { ...secret.metadata, annotations: { ...secret.metadata.annotations, [SERVICE_ACCOUNT_UID_ANNOTATION]: account.metadata.uid! } },
      data,
    };
    const written = this.state.writeIfChanged(this.secretType, secret, next);
    return written !== secret;
  }
}
