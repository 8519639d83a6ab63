// Request/response over a forked child's IPC channel, plus events the child pushes on its own. The
// benchmark's helpers (emulated clusters, load generators) run in their own processes, so their CPU
// does not share Horizon's event loop, and are driven through this.
import { fork, type ChildProcess } from 'node:child_process';

type Handler = (args: any) => unknown;

interface RpcRequest {
  id: number;
  cmd: string;
  args: unknown;
}

interface RpcReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

interface RpcEvent {
  evt: string;
  data: unknown;
}

export interface RpcChild {
  readonly process: ChildProcess;
  call<T = any>(cmd: string, args?: unknown): Promise<T>;
  on(evt: string, fn: (data: any) => void): void;
  /** Asks the child to exit and waits for it (kills it after a grace period). */
  close(): Promise<void>;
}

/** Forks a TypeScript module (run through tsx) and resolves once it has said it is ready. */
export function forkRpc(modulePath: string, options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<RpcChild> {
  const child = fork(modulePath, [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...options.env },
    serialization: 'advanced',
  });
  let seq = 0;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, ((data: any) => void)[]>();
  let exited = false;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) => {
      exited = true;
      const err = new Error(`${modulePath} exited (code ${code}, signal ${signal})`);
      reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    child.on('message', (m: RpcReply | RpcEvent) => {
      if ('evt' in m) {
        if (m.evt === 'ready') resolve();
        for (const fn of listeners.get(m.evt) ?? []) fn(m.data);
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
  });
  const rpc: RpcChild = {
    process: child,
    call(cmd, args) {
      if (exited) return Promise.reject(new Error(`${modulePath} has exited`));
      const id = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, args } satisfies RpcRequest);
      });
    },
    on(evt, fn) {
      const list = listeners.get(evt) ?? [];
      list.push(fn);
      listeners.set(evt, list);
    },
    async close() {
      if (exited) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        child.send({ id: 0, cmd: 'exit', args: undefined } satisfies RpcRequest);
      } catch {
        // channel already closed
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
  return ready.then(() => rpc);
}

/** In the child: answers requests with the handlers; 'exit' ends the process. */
export function serveRpc(handlers: Record<string, Handler>, onExit?: () => Promise<void> | void): void {
  process.on('message', async (m: RpcRequest) => {
    if (m.cmd === 'exit') {
      try {
        await onExit?.();
      } finally {
        process.exit(0);
      }
    }
    const h = handlers[m.cmd];
    try {
      if (!h) throw new Error(`unknown command ${m.cmd}`);
      const result = await h(m.args);
      process.send!({ id: m.id, ok: true, result } satisfies RpcReply);
    } catch (err) {
      process.send!({ id: m.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies RpcReply);
    }
  });
  process.on('disconnect', () => process.exit(0));
  emit('ready', undefined);
}

export function emit(evt: string, data: unknown): void {
  process.send?.({ evt, data } satisfies RpcEvent);
}
