// `npm run bench` runs every benchmark in this folder; `npm run bench -- <name> ...` runs some.
// Each module exports `run()`, which prints its own figures against its own baseline.
import { readdir } from 'node:fs/promises';

const here = new URL('./', import.meta.url);
const wanted = process.argv.slice(2);
const names = (await readdir(here))
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -'.ts'.length))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

if (names.length === 0) {
  console.error(`no benchmark named ${wanted.join(', ')}`);
  process.exitCode = 2;
}
for (const name of names) {
  console.log(`\n## ${name}`);
  const bench = (await import(new URL(`${name}.ts`, here).href)) as { run(): Promise<void> };
  await bench.run();
}
