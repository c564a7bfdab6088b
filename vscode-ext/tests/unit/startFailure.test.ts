import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeStartFailure, LineTail } from '../../src/startFailure';

const python = { command: '/venv/bin/python', args: ['-m', 'switchy_lsp'] };

test('a missing program is named, with the settings that fix it', () => {
    const message = describeStartFailure({
        launch: python,
        error: 'Launching server using command /venv/bin/python failed. Error: spawn /venv/bin/python ENOENT',
        stderr: [],
    });
    assert.match(message, /"\/venv\/bin\/python" was not found/);
    assert.match(message, /switchy\.server\.pythonPath/);
    assert.match(message, /switchy\.server\.command/);
});

test('a program that is not executable is said so', () => {
    const message = describeStartFailure({ launch: python, error: new Error('spawn /venv/bin/python EACCES'), stderr: [] });
    assert.match(message, /is not executable/);
});

test('a Python without switchy is told to install it', () => {
    const message = describeStartFailure({
        launch: python,
        error: new Error('Connection to server got closed.'),
        stderr: ['/venv/bin/python: No module named switchy_lsp', ''],
    });
    assert.equal(
        message,
        'switchy: "/venv/bin/python" has no switchy language server (/venv/bin/python: No module named switchy_lsp). ' +
            'Install switchy-cluster into it (in a switchy checkout: /venv/bin/python -m pip install .), ' +
            'or set "switchy.server.pythonPath" to a Python that has switchy.',
    );
});

test('otherwise the last line the server wrote is shown', () => {
    const message = describeStartFailure({
        launch: { command: 'switchy-lsp', args: ['--stdio'] },
        error: { message: 'closed' },
        stderr: ['Traceback (most recent call last):', '  File "x.py", line 1', "ImportError: cannot import name 'x'", '   '],
    });
    assert.equal(message, `switchy: the language server "switchy-lsp --stdio" stopped before it started: ImportError: cannot import name 'x'`);
});

test('with nothing on stderr the error itself is shown', () => {
    const message = describeStartFailure({ launch: python, error: new Error('Pending response rejected'), stderr: [] });
    assert.match(message, /could not be started: Pending response rejected$/);
});

test('LineTail keeps the last lines across chunk boundaries', () => {
    const tail = new LineTail(3);
    tail.push('one\ntw');
    tail.push('o\r\nthree\nfour\nfi');
    assert.deepEqual(tail.get(), ['three', 'four', 'fi']);
    tail.push('ve\n');
    assert.deepEqual(tail.get(), ['three', 'four', 'five']);
    tail.clear();
    assert.deepEqual(tail.get(), []);
});
