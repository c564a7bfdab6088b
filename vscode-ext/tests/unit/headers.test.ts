import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatHeaders, parseHeaders } from '../../src/headers';

test('Name=value pairs separated by spaces', () => {
    assert.deepEqual(parseHeaders('  Caller-Destination-Number=011441234   Call-Direction=inbound '), {
        headers: { 'Caller-Destination-Number': '011441234', 'Call-Direction': 'inbound' },
    });
});

test('quoted values keep their spaces, escapes and = signs', () => {
    assert.deepEqual(parseHeaders(`Caller-Caller-ID-Name="Jane \\"JD\\" Doe" variable_params='a=1,b=2' variable_x=`), {
        headers: { 'Caller-Caller-ID-Name': 'Jane "JD" Doe', variable_params: 'a=1,b=2', variable_x: '' },
    });
});

test('a lone value is the destination number', () => {
    assert.deepEqual(parseHeaders('011441234 Call-Direction=outbound'), {
        headers: { 'Caller-Destination-Number': '011441234', 'Call-Direction': 'outbound' },
    });
});

test('mistakes are explained', () => {
    assert.match(parseHeaders('1000 2000').error ?? '', /has no "Name="/);
    assert.match(parseHeaders('Bad Name=1 Other').error ?? '', /"Other" has no "Name="/);
    assert.match(parseHeaders('9bad=1').error ?? '', /not a header name/);
    assert.match(parseHeaders('A=1 A=2').error ?? '', /given twice/);
    assert.match(parseHeaders('A="open').error ?? '', /never closed/);
});

test('empty input is a call without headers', () => {
    assert.deepEqual(parseHeaders('   '), { headers: {} });
});

test('formatHeaders writes what parseHeaders reads', () => {
    const headers = { 'Caller-Destination-Number': '1000', 'Caller-Caller-ID-Name': 'Jane "JD" Doe', variable_x: '' };
    assert.deepEqual(parseHeaders(formatHeaders(headers)), { headers });
});
