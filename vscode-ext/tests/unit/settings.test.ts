import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expand, formatCommandLine, resolveServerLaunch } from '../../src/settings';

const env = { workspaceFolder: '/work/project', home: '/home/ann' };

test('empty settings run python3 -m switchy_lsp', () => {
    assert.deepEqual(resolveServerLaunch({ command: [], pythonPath: '' }, env), {
        command: 'python3',
        args: ['-m', 'switchy_lsp'],
    });
});

test('pythonPath picks the interpreter, with ${workspaceFolder} expanded', () => {
    assert.deepEqual(resolveServerLaunch({ command: [], pythonPath: '${workspaceFolder}/.venv/bin/python' }, env), {
        command: '/work/project/.venv/bin/python',
        args: ['-m', 'switchy_lsp'],
    });
});

test('a command wins over pythonPath; blank parts are dropped; ~ is the home directory', () => {
    const launch = resolveServerLaunch(
        { command: ['~/bin/switchy-lsp', '', '--log-file', '${userHome}/lsp.log'], pythonPath: '/usr/bin/python3' },
        env,
    );
    assert.deepEqual(launch, { command: '/home/ann/bin/switchy-lsp', args: ['--log-file', '/home/ann/lsp.log'] });
});

test('a command of blanks only falls back to the interpreter', () => {
    assert.equal(resolveServerLaunch({ command: ['  '], pythonPath: ' python3.12 ' }, env).command, 'python3.12');
});

test('${workspaceFolder} stays as written without a workspace', () => {
    assert.equal(expand('${workspaceFolder}/x', { home: '/h' }), '${workspaceFolder}/x');
    assert.equal(expand('a~b', { home: '/h' }), 'a~b');
});

test('command lines quote what a shell would split', () => {
    assert.equal(formatCommandLine({ command: '/opt/my env/python', args: ['-m', 'switchy_lsp'] }), "'/opt/my env/python' -m switchy_lsp");
    assert.equal(formatCommandLine({ command: "it's", args: [] }), `'it'\\''s'`);
});
