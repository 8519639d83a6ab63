// meshNetworks arrives from two places: a file (`--mesh-networks`, reloaded when it changes) and the
// primary cluster's ConfigMap `istio`, key `meshNetworks` (watched). Each source keeps its last good
// value: a malformed edit is reported with its reason and position and changes nothing.
// The ConfigMap watch belongs to the primary's connection (kube/kube-connection.ts), registered there,
// so it is restarted with the cluster's own watches and its failure shows against the primary.
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import { logger } from '../log.js';
import type { KubeConnection, KubeWatch } from '../kube/kube-connection.js';
import { configMapText, type ConfigMapText } from './config-map-text.js';

export type ParseResult<T> = { ok: true; value: T; warnings?: string[] } | { ok: false; error: string };

export interface SourceState<T> {
  /** Human name of the source, e.g. `file /etc/horizon/mesh-networks.yaml`. */
  name: string;
  value: T | undefined;
  error?: string;
  /** What the parser warned about in the value in effect (it was accepted anyway). */
  warnings?: string[];
  /** When the value last changed (ISO). */
  loadedAt?: string;
}

export interface MeshNetworksSourcesOptions<T> {
  parse(text: string, sourceName: string): ParseResult<T>;
  /** The empty config, used when a source is absent. */
  empty: T;
  file?: string;
  /** Watch ConfigMap `istio` in the system namespace of this (the primary's) API server connection. */
  primary?: Pick<KubeConnection, 'watch'>;
  systemNamespace: string;
  filePollMs?: number;
}

export class MeshNetworksSources<T> extends EventEmitter {
  private readonly log = logger('mesh-networks');
  private readonly fileState: SourceState<T> | undefined;
  private readonly configMapState: SourceState<T> | undefined;
  private configMapWatch: KubeWatch<ConfigMapText> | undefined;
  private lastFileText: string | undefined;
  private lastMapText: string | undefined;
  private started = false;

  constructor(private readonly opts: MeshNetworksSourcesOptions<T>) {
    super();
    if (opts.file) this.fileState = { name: `file ${opts.file}`, value: undefined };
    if (opts.primary) this.configMapState = { name: `configmap ${opts.systemNamespace}/istio key meshNetworks`, value: undefined };
  }

  /** Loads the file once (so start-up fails loudly on a broken file) and starts watching. */
  async start(): Promise<void> {
    if (this.opts.file) {
      await this.reloadFile();
      watchFile(this.opts.file, { interval: this.opts.filePollMs ?? 1000 }, () => void this.reloadFile());
    }
    if (this.opts.primary && !this.configMapWatch) {
      this.configMapWatch = this.opts.primary.watch<ConfigMapText>({
        owner: 'mesh-networks',
        path: `/api/v1/namespaces/${this.opts.systemNamespace}/configmaps`,
        fieldSelector: 'metadata.name=istio',
        // Only the one key is kept, checked for its type as it arrives.
        transform: configMapText,
        handlers: {
          upsert: (cm) => (cm.error !== undefined ? this.onConfigMapError(cm.error) : this.onConfigMapText(cm.text)),
          remove: () => this.onConfigMapText(undefined),
        },
      });
    }
    this.started = true;
  }

  /**
   * True once the file has been read and the ConfigMap listed (present or not): before that, the
   * topology may lack networks and gateways, and a client would be sent endpoints judged without them.
   */
  get hasSynced(): boolean {
    return this.started && (this.configMapWatch?.hasSynced ?? true);
  }

  stop(): void {
    if (this.opts.file) unwatchFile(this.opts.file);
    this.configMapWatch?.close();
    this.configMapWatch = undefined;
  }

  current(): { configMap: T | undefined; file: T | undefined } {
    return { configMap: this.configMapState?.value, file: this.fileState?.value };
  }

  sources(): SourceState<T>[] {
    return [this.configMapState, this.fileState].filter((s): s is SourceState<T> => s !== undefined);
  }

  private async reloadFile(): Promise<void> {
    const state = this.fileState!;
    let text: string;
    try {
      text = await readFile(this.opts.file!, 'utf8');
    } catch (err) {
      const error = `${state.name}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); keeping the last good config`;
      if (state.error !== error) {
        state.error = error;
        this.log.warn({ error }, 'mesh networks file unreadable');
        this.emit('error-changed');
      }
      return;
    }
    if (text === this.lastFileText) return;
    this.lastFileText = text;
    this.accept(state, text);
  }

  private onConfigMapText(text: string | undefined): void {
    const state = this.configMapState!;
    if (text === this.lastMapText) return;
    this.lastMapText = text;
    if (text === undefined || text.trim() === '') {
      state.value = this.opts.empty;
      delete state.error;
      delete state.warnings;
      state.loadedAt = new Date().toISOString();
      this.emit('changed');
      return;
    }
    this.accept(state, text);
  }

  /** The ConfigMap's key is unusable as it arrived (not text): said like a parse error, nothing changes. */
  private onConfigMapError(error: string): void {
    const state = this.configMapState!;
    this.lastMapText = undefined;
    const kept = state.value === undefined ? 'nothing from this source is in effect' : 'keeping the last good config';
    state.error = `${state.name}: ${error}; ${kept}`;
    this.log.warn({ error }, 'invalid meshNetworks refused');
    this.emit('error-changed');
  }

  private accept(state: SourceState<T>, text: string): void {
    const parsed = this.opts.parse(text, state.name);
    if (!parsed.ok) {
      const kept = state.value === undefined ? 'nothing from this source is in effect' : 'keeping the last good config';
      state.error = `${parsed.error}; ${kept}`;
      this.log.warn({ error: parsed.error }, 'invalid meshNetworks refused');
      this.emit('error-changed');
      return;
    }
    state.value = parsed.value;
    delete state.error;
    if (parsed.warnings && parsed.warnings.length > 0) {
      state.warnings = parsed.warnings;
      this.log.warn({ warnings: parsed.warnings }, 'meshNetworks accepted with warnings');
    } else delete state.warnings;
    state.loadedAt = new Date().toISOString();
    this.emit('changed');
  }
}
