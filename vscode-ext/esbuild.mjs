// Bundles the extension (Node, CommonJS, `vscode` provided by the host) and the
// call-flow webview script (browser). `--tests` also bundles the unit tests and what
// the Python tests drive: the preview-page tool and the client smoke test (which runs
// src/client.ts under a stand-in `vscode` module).
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';

const common = { bundle: true, sourcemap: false, logLevel: 'warning', target: 'es2022' };

const builds = [
    {
        ...common,
        entryPoints: ['src/extension.ts'],
        outfile: 'dist/extension.js',
        platform: 'node',
        format: 'cjs',
        external: ['vscode'],
        minify: true,
    },
    {
        ...common,
        entryPoints: ['src/webview/graph.ts'],
        outfile: 'dist/webview.js',
        platform: 'browser',
        format: 'iife',
        minify: true,
    },
];

if (process.argv.includes('--tests')) {
    const tests = readdirSync('tests/unit').filter((f) => f.endsWith('.test.ts'));
    builds.push({
        ...common,
        entryPoints: tests.map((f) => `tests/unit/${f}`),
        outdir: 'out/unit',
        platform: 'node',
        format: 'cjs',
    });
    builds.push({
        ...common,
        entryPoints: ['tests/host/serverSmoke.ts'],
        outfile: 'out/host/serverSmoke.js',
        platform: 'node',
        format: 'cjs',
        alias: { vscode: './tests/host/fakeVscode.ts' },
    });
    builds.push({
        ...common,
        entryPoints: ['tools/previewPage.ts'],
        outfile: 'out/tools/previewPage.js',
        platform: 'node',
        format: 'cjs',
    });
}

await Promise.all(builds.map((options) => esbuild.build(options)));
