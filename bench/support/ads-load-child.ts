// Load generator process: opens a share of the plan's ADS streams (light-ads.ts) and answers, for a
// change made at time t0, when each stream subscribed to the changed name received a response carrying
// it. Runs in its own process so the clients' CPU does not share Horizon's event loop. Driven by
// LoadFleet (load-fleet.ts) over IPC.
import * as grpc from '@grpc/grpc-js';
import { serveRpc } from './ipc.js';
import { LightAdsStream, type EndpointCount, type Mode } from './light-ads.js';
import { now } from './report.js';
import { callerNode, namesOfStream, type NodeShape, type SubscriptionPlan } from './subscriptions.js';

/** How streams connect: as whom, whether they reopen after an error, and when a stream counts as complete. */
export interface ConnectOptions {
  mode: Mode;
  streamsPerConnection: number;
  timeoutMs: number;
  node: NodeShape;
  retry?: { baseMs: number; maxMs: number };
  /**
   * name -> distinct addresses its assignment must hold for the stream to count as complete (names not
   * listed: received is enough). With it, assignments are counted (light-ads countAddresses).
   */
  complete?: Record<string, number>;
}

interface Expectation {
  t0: number;
  /** local stream index -> latency (NaN until it arrived) */
  lat: Map<number, number>;
  missing: number;
  done: (timedOut: boolean) => void;
}

const streams: LightAdsStream[] = [];
const channels: grpc.Client[] = [];
/** Per local stream: name -> arrival time of the latest response that carried it. */
const arrivals: Map<string, number>[] = [];
const subscribers = new Map<string, number[]>();
/** Per local stream: its network. */
const networkOf: string[] = [];
const expecting = new Map<string, Set<Expectation>>();
/** Local streams paused (slow clients): left out of expectations. */
const paused = new Set<number>();
const responsesOf: number[] = [];
/** Per local stream (when counting): name -> endpoints of the latest assignment received. */
const countsOf: Map<string, EndpointCount>[] = [];
let ended = 0;
let retries = 0;
let responses = 0;
let bytes = 0;

function onArrival(local: number, names: readonly string[], at: number): void {
  const seen = arrivals[local]!;
  for (const name of names) {
    seen.set(name, at);
    const exps = expecting.get(name);
    if (!exps) continue;
    for (const x of exps) {
      const l = x.lat.get(local);
      if (l === undefined || !Number.isNaN(l) || at < x.t0) continue;
      x.lat.set(local, at - x.t0);
      if (--x.missing === 0) x.done(false);
    }
  }
}

serveRpc(
  {
    /**
     * Opens streams [from, to) of the plan at once and resolves when every one has received all its
     * names (and ACKed them): per stream, the epoch time at which it was complete.
     */
    connect(args: { address: string; plan: SubscriptionPlan; from: number; to: number } & ConnectOptions) {
      const { plan, complete: wanted } = args;
      const startedAt = now();
      const completeAt: number[] = [];
      let complete = 0;
      const total = args.to - args.from;
      const retries0 = retries;
      return new Promise((resolve) => {
        const finish = (timedOut: boolean) =>
          resolve({ startedAt, completeAt, timedOut, incomplete: total - complete, ended, retries: retries - retries0 });
        const timer = setTimeout(() => finish(true), args.timeoutMs);
        for (let i = args.from; i < args.to; i++) {
          const local = i - args.from;
          const names = namesOfStream(plan, i);
          const counts = new Map<string, EndpointCount>();
          countsOf.push(counts);
          /** Names whose assignment is not yet as complete as `wanted` asks. */
          const short = new Set(wanted ? names.filter((n) => wanted[n] !== undefined) : []);
          for (const n of names) {
            let list = subscribers.get(n);
            if (!list) subscribers.set(n, (list = []));
            list.push(local);
          }
          const seen = new Map<string, number>();
          arrivals.push(seen);
          networkOf.push(plan.networks[i % plan.networks.length]!);
          completeAt.push(NaN);
          let channel: grpc.Client | undefined;
          if (args.streamsPerConnection > 1) {
            const c = Math.floor(local / args.streamsPerConnection);
            channel = channels[c] ??= new grpc.Client(args.address, grpc.credentials.createInsecure(), {
              'grpc.use_local_subchannel_pool': 1,
              'grpc.max_receive_message_length': -1,
            });
          }
          streams.push(
            new LightAdsStream({
              address: args.address,
              node: callerNode(plan, i, args.node),
              mode: args.mode,
              typeUrl: plan.typeUrl,
              names,
              ...(channel ? { channel } : {}),
              ...(wanted ? { countAddresses: true } : {}),
              ...(args.retry ? { retry: args.retry } : {}),
              onRetry: () => {
                retries++;
              },
              onResponse: (r, size) => {
                const at = now();
                responses++;
                responsesOf[local] = (responsesOf[local] ?? 0) + 1;
                bytes += size;
                onArrival(local, r.names, at);
                if (r.endpoints) {
                  r.names.forEach((n, k) => {
                    const c = r.endpoints![k]!;
                    counts.set(n, c);
                    if (wanted?.[n] !== undefined && c.distinct >= wanted[n]!) short.delete(n);
                  });
                }
                if (Number.isNaN(completeAt[local]!) && seen.size >= names.length && short.size === 0) {
                  completeAt[local] = at;
                  if (++complete === total) {
                    clearTimeout(timer);
                    finish(false);
                  }
                }
              },
              onEnd: () => {
                ended++;
              },
            }),
          );
        }
      });
    },

    /**
     * Resolves when every local subscriber of `name` (on `networks`, when given: callers whose view of
     * the resource changed) has received it after t0 (latencies in ms).
     */
    expect(args: { name: string; t0: number; timeoutMs: number; networks?: string[] }) {
      const subs = (subscribers.get(args.name) ?? []).filter((l) => !paused.has(l) && (!args.networks || args.networks.includes(networkOf[l]!)));
      return new Promise((resolve) => {
        const x: Expectation = { t0: args.t0, lat: new Map(), missing: 0, done: () => undefined };
        for (const local of subs) {
          const at = arrivals[local]!.get(args.name);
          if (at !== undefined && at >= args.t0) x.lat.set(local, at - args.t0);
          else {
            x.lat.set(local, NaN);
            x.missing++;
          }
        }
        let set = expecting.get(args.name);
        const timer = setTimeout(() => x.done(true), args.timeoutMs);
        x.done = (timedOut) => {
          clearTimeout(timer);
          set?.delete(x);
          if (set && set.size === 0) expecting.delete(args.name);
          resolve({ latencies: [...x.lat.values()].filter((v) => !Number.isNaN(v)), missing: x.missing, timedOut });
        };
        if (x.missing === 0) return x.done(false);
        if (!set) expecting.set(args.name, (set = new Set()));
        set.add(x);
      });
    },

    /** Pauses the first `count` local streams: they stop reading their responses. */
    pause(args: { count: number }) {
      for (let l = 0; l < Math.min(args.count, streams.length); l++) {
        paused.add(l);
        streams[l]!.pause();
      }
      return { paused: paused.size };
    },

    /**
     * Resumes the paused streams and waits until each has read everything the server had for it
     * (no response for `quietMs`): how many responses each one got after the resume.
     */
    async resume(args: { quietMs: number; timeoutMs: number }) {
      const list = [...paused];
      const before = list.map((l) => responsesOf[l] ?? 0);
      const resumedAt = now();
      for (const l of list) streams[l]!.resume();
      paused.clear();
      let last = -1;
      let lastChange = now();
      while (now() - resumedAt < args.timeoutMs) {
        await new Promise((r) => setTimeout(r, 20));
        const total = list.reduce((n, l) => n + (responsesOf[l] ?? 0), 0);
        if (total !== last) {
          last = total;
          lastChange = now();
        } else if (now() - lastChange >= args.quietMs) break;
      }
      return { responsesAfterResume: list.map((l, i) => (responsesOf[l] ?? 0) - before[i]!), settledMs: lastChange - resumedAt };
    },

    stats() {
      return { streams: streams.length, ended, responses, bytes, retries };
    },

    /** What local stream `local` last received per name (when counting): endpoints and distinct addresses. */
    counts(args: { local: number }) {
      return Object.fromEntries(countsOf[args.local] ?? []);
    },

    close() {
      for (const s of streams) s.close();
      for (const c of channels) c.close();
      streams.length = 0;
      channels.length = 0;
      arrivals.length = 0;
      networkOf.length = 0;
      responsesOf.length = 0;
      countsOf.length = 0;
      paused.clear();
      subscribers.clear();
      expecting.clear();
      return {};
    },
  },
  () => {
    for (const s of streams) s.close();
  },
);
