// meshNetworks arrives from two places: a file (`--mesh-networks`, reloaded when it changes) and the
// primary cluster's ConfigMap `istio`, key `meshNetworks` (watched). The mesh config (key `mesh`, file
// `--mesh-config`) arrives the same way, through another instance for key `mesh`. Each source keeps its last good
// value: a malformed edit is reported with its reason and position and changes nothing. The file is
// bounded like the text: its size is checked before it is read, and at most one byte past the limit is.
// A file's text is taken once two reads FILE_SETTLE_MS apart agree: `>` and many editors truncate, then
// write, and the empty or half-written file in between must not become the meshNetworks in effect.
// The ConfigMap's one watch, shared by both keys, is istio-config-map.ts's.
import { EventEmitter } from 'node:events';
import { open, stat } from 'node:fs/promises';
import { constants as fsConstants, unwatchFile, watchFile } from 'node:fs';
import { logger } from '../log.js';
import { defaultLimits, limitExceeded } from '../limits.js';
import type { ConfigMapKey, KeyText } from './istio-config-map.js';

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
  /** The key of ConfigMap `istio` (the primary's) this source reads; absent: the file alone. */
  configMap?: ConfigMapKey;
  /** What messages call the document (default `meshNetworks`). */
  what?: string;
  filePollMs?: number;
  /** The limit that bounds the text, for messages (default meshNetworksBytes). */
  limit?: 'meshNetworksBytes' | 'meshConfigBytes';
  /** A file bigger than this is refused without being read (default limits.meshNetworksBytes). */
  maxFileBytes?: number;
}

export class MeshNetworksSources<T> extends EventEmitter {
  private readonly log = logger('mesh-networks');
  private readonly fileState: SourceState<T> | undefined;
  private readonly configMapState: SourceState<T> | undefined;
  private lastFileText: string | undefined;
  private lastMapText: string | undefined;
  private started = false;
  private stopped = false;
  /** One reload at a time; a change seen meanwhile reloads once more after it. */
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private readonly key: string;

  constructor(private readonly opts: MeshNetworksSourcesOptions<T>) {
    super();
    this.key = opts.what ?? opts.configMap?.key ?? 'meshNetworks';
    if (opts.file) this.fileState = { name: `file ${opts.file}`, value: undefined };
    if (opts.configMap) this.configMapState = { name: opts.configMap.name, value: undefined };
  }

  /** Loads the file once (so start-up fails loudly on a broken file), watches it, reads the ConfigMap's key. */
  async start(): Promise<void> {
    if (this.started) return;
    if (this.opts.file) {
      await this.reloadFile();
      watchFile(this.opts.file, { interval: this.opts.filePollMs ?? 1000 }, () => void this.reloadFile());
    }
    this.opts.configMap?.read((t: KeyText) => (t.error !== undefined ? this.onConfigMapError(t.error) : this.onConfigMapText(t.text)));
    this.started = true;
  }

  /**
   * True once the file has been read and the ConfigMap listed (present or not): before that, the
   * topology may lack networks and gateways, and a client would be sent endpoints judged without them.
   */
  get hasSynced(): boolean {
    return this.started && (this.opts.configMap?.hasSynced ?? true);
  }

  stop(): void {
    this.stopped = true;
    if (this.opts.file) unwatchFile(this.opts.file);
  }

  current(): { configMap: T | undefined; file: T | undefined } {
    return { configMap: this.configMapState?.value, file: this.fileState?.value };
  }

  sources(): SourceState<T>[] {
    return [this.configMapState, this.fileState].filter((s): s is SourceState<T> => s !== undefined);
  }

  private reloadFile(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        await this.reloadFileOnce();
      } while (this.reloadAgain && !this.stopped);
    })().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async reloadFileOnce(): Promise<void> {
    const state = this.fileState!;
    const limit = this.opts.limit ?? 'meshNetworksBytes';
    const maxBytes = this.opts.maxFileBytes ?? defaultLimits[limit];
    let text: string | { tooBig: number } | undefined;
    try {
      text = await readBounded(this.opts.file!, maxBytes, () => this.stopped);
      if (text === undefined) return;
    } catch (err) {
      // Read again in full once readable: the same text may then need to clear this error.
      this.lastFileText = undefined;
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      const error = `${state.name}: cannot be read (${reason}); keeping the last good config`;
      if (state.error !== error) {
        state.error = error;
        this.log.warn({ key: this.key, error }, 'file unreadable');
        this.emit('error-changed');
      }
      return;
    }
    if (typeof text !== 'string') {
      this.lastFileText = undefined;
      this.refuse(state, `${state.name}: refused without reading it: ${limitExceeded(limit, maxBytes, text.tooBig)}`);
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
    this.lastMapText = undefined;
    this.refuse(this.configMapState!, `${this.configMapState!.name}: ${error}`);
  }

  /** A refused text: the error is recorded, the value in effect stays. */
  private refuse(state: SourceState<T>, error: string): void {
    const kept = state.value === undefined ? 'nothing from this source is in effect' : 'keeping the last good config';
    const full = `${error}; ${kept}`;
    if (state.error === full) return;
    state.error = full;
    this.log.warn({ key: this.key, error }, `invalid ${this.key} refused`);
    this.emit('error-changed');
  }

  private accept(state: SourceState<T>, text: string): void {
    let parsed: ParseResult<T>;
    try {
      parsed = this.opts.parse(text, state.name);
    } catch (err) {
      // Parsers return errors as values; one that throws still refuses only this text.
      parsed = { ok: false, error: `${state.name}: could not be parsed (${err instanceof Error ? err.message : String(err)})` };
    }
    if (!parsed.ok) return this.refuse(state, parsed.error);
    state.value = parsed.value;
    delete state.error;
    if (parsed.warnings && parsed.warnings.length > 0) {
      state.warnings = parsed.warnings;
      this.log.warn({ key: this.key, warnings: parsed.warnings }, `${this.key} accepted with warnings`);
    } else delete state.warnings;
    state.loadedAt = new Date().toISOString();
    this.emit('changed');
  }
}

/** A file's text is taken once two reads this far apart agree (it may be being written). */
const FILE_SETTLE_MS = 100;

/**
 * The file's text once two reads FILE_SETTLE_MS apart give the same text, or its size when that is over
 * `maxBytes` (from stat, before reading; or from reading one byte past the limit should it have grown
 * since); undefined if `stopped()` first. Two reads rather than timestamps: truncating a file does not
 * always move its mtime (seen on ext4), so an emptied file can look as old as its last content.
 * Only regular files: a FIFO or a device would never end.
 */
async function readBounded(path: string, maxBytes: number, stopped: () => boolean): Promise<string | { tooBig: number } | undefined> {
  let previous: string | undefined;
  while (!stopped()) {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > maxBytes) return { tooBig: info.size };
    const read = await readAtMost(path, info.size, maxBytes);
    if (typeof read !== 'string') return read;
    if (read === previous) return read;
    previous = read;
    await new Promise((resolve) => setTimeout(resolve, FILE_SETTLE_MS));
  }
  return undefined;
}

/** At most maxBytes + 1 bytes of the file: its text, or its size when over the limit. */
async function readAtMost(path: string, sizeHint: number, maxBytes: number): Promise<string | { tooBig: number }> {
  // O_NONBLOCK: should the path have become a FIFO since stat, opening it must not wait for a writer.
  const handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    // Sized from stat, grown (never past the limit + 1) should the file have grown since.
    let buffer = Buffer.alloc(Math.min(sizeHint, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) return buffer.toString('utf8', 0, length);
      length += bytesRead;
      if (length > maxBytes) return { tooBig: Math.max(length, (await handle.stat()).size) };
      if (length === buffer.length) {
        const bigger = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
    }
  } finally {
    await handle.close();
  }
}
