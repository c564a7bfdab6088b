import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCall, parseCall } from '../../src/headers';

test('Name=value pairs separated by spaces', () => {
    assert.deepEqual(parseCall('  Caller-Destination-Number=011441234   Call-Direction=inbound '), {
        headers: { 'Caller-Destination-Number': '011441234', 'Call-Direction': 'inbound' },
    });
});

test('quoted values keep their spaces, escapes and = signs', () => {
    assert.deepEqual(parseCall(`Caller-Caller-ID-Name="Jane \\"JD\\" Doe" variable_params='a=1,b=2' variable_x=`), {
        headers: { 'Caller-Caller-ID-Name': 'Jane "JD" Doe', variable_params: 'a=1,b=2', variable_x: '' },
    });
});

test('a lone value is the destination number', () => {
    assert.deepEqual(parseCall('011441234 Call-Direction=outbound'), {
        headers: { 'Caller-Destination-Number': '011441234', 'Call-Direction': 'outbound' },
    });
});

test('mistakes are explained', () => {
    assert.match(parseCall('1000 2000').error ?? '', /has no "Name="/);
    assert.match(parseCall('Bad Name=1 Other').error ?? '', /"Other" has no "Name="/);
    assert.match(parseCall('9bad=1').error ?? '', /not a header name/);
    assert.match(parseCall('A=1 A=2').error ?? '', /given twice/);
    assert.match(parseCall('A="open').error ?? '', /never closed/);
});

test('empty input is a call without headers', () => {
    assert.deepEqual(parseCall('   '), { headers: {} });
});

test('@ gives the time of the call', () => {
    assert.deepEqual(parseCall('4100 @2024-12-24T09:00'), {
        headers: { 'Caller-Destination-Number': '4100' },
        at: '2024-12-24T09:00',
    });
    assert.deepEqual(parseCall('@2024-12-24'), { headers: {}, at: '2024-12-24' });
    assert.deepEqual(parseCall('4100 @"2026-12-06T10:00 America/New_York"'), {
        headers: { 'Caller-Destination-Number': '4100' },
        at: '2026-12-06T10:00 America/New_York',
    });
    assert.match(parseCall('4100 @').error ?? '', /write the time of the call after @/);
    assert.match(parseCall('@2024-12-24 @2024-12-25').error ?? '', /given twice/);
});

test('formatCall writes what parseCall reads', () => {
    const headers = { 'Caller-Destination-Number': '1000', 'Caller-Caller-ID-Name': 'Jane "JD" Doe', variable_x: '', v: '@x' };
    assert.deepEqual(parseCall(formatCall({ headers })), { headers });
    assert.deepEqual(parseCall(formatCall({ headers, at: '2024-12-24T09:00:00+02:00' })), { headers, at: '2024-12-24T09:00:00+02:00' });
});
