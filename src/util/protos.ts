// Proto files shipped in the repository's proto/ folder, by absolute path (this file sits two levels
// below the root, like every module that used to compute it).
import { fileURLToPath } from 'node:url';

export const HELLOWORLD_PROTO = fileURLToPath(new URL('../../proto/helloworld.proto', import.meta.url));
