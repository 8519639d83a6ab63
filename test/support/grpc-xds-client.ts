// Proxyless gRPC clients in child processes for tests: see src/client/caller-process.ts.
export {
  runGrpcXdsClient,
  startGrpcXdsClient,
  type GrpcCallResult,
  type GrpcXdsClientHandle,
  type GrpcXdsClientOptions,
} from '../../src/client/caller-process.js';
