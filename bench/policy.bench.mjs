#!/usr/bin/env node
// Policy evaluation time per 1,000 resources (needs `npm run build`). Prints one JSON line for `npm run bench`.
import { benchPolicy } from './out/build/bench/lib/policy.js';

const resources = Number(process.argv[2] ?? 2000);
const result = await benchPolicy({ resources });
console.log(JSON.stringify({ bench: 'policy', ...result }));
