import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSourceRef } from '../../src/sourceRef';

test('line anchors in links', () => {
    assert.deepEqual(parseSourceRef('#L12'), { line: 12 });
    assert.deepEqual(parseSourceRef('#L12C5'), { line: 12, column: 5 });
    assert.deepEqual(parseSourceRef('file:///etc/switchy/common.swr#L7'), { line: 7, file: 'file:///etc/switchy/common.swr' });
    assert.deepEqual(parseSourceRef('common%20rules.swr#L3'), { line: 3, file: 'common rules.swr' });
});

test('file:line[:column] anywhere in a tooltip', () => {
    assert.deepEqual(parseSourceRef('examples/router.swr:12'), { line: 12, file: 'examples/router.swr' });
    assert.deepEqual(parseSourceRef('respond(407)\n/abs/router.swr:12:5'), { line: 12, column: 5, file: '/abs/router.swr' });
});

test('element ids and plain "line N"', () => {
    assert.deepEqual(parseSourceRef('L40'), { line: 40 });
    assert.deepEqual(parseSourceRef('route intl (line 9)'), { line: 9 });
    assert.deepEqual(parseSourceRef('Line 9, column 3'), { line: 9, column: 3 });
});

test('text without a position is not a position', () => {
    for (const text of [undefined, null, '', 'node1', 'a_node1', 'route intl', 'line zero', '#L0', 'dialplan:default', '08:00']) {
        assert.equal(parseSourceRef(text), undefined, String(text));
    }
});
