import { describe, expect, it } from 'vitest';
import { readerFor, SUPPORTED_FORMATS } from './index.js';

describe('readerFor', () => {
  it.each([
    ['aws-cur-2.0', 'billing'],
    ['aws-cur-legacy', 'billing'],
    ['focus-1.0', 'billing'],
    ['focus-1.2', 'billing'],
    ['gcp-billing-export', 'billing'],
    ['azure-cost-export', 'billing'],
    ['azure-openai-diagnostic-logs', 'usage'],
    ['aws-bedrock-invocation-logs', 'usage'],
    ['gcp-vertex-audit-logs', 'usage'],
    ['argmin-events', 'usage'],
    ['scim-2.0', 'identity'],
    ['aws-iam', 'identity'],
  ])('reads %s as %s', (format, role) => {
    expect(readerFor(format)).toMatchObject({ format, role });
    expect(SUPPORTED_FORMATS).toContain(format);
  });

  it.each(['aws-cur', 'AWS-CUR-2.0', 'focus-1.1', ''])('has no reader for %j', (format) => {
    expect(readerFor(format)).toBeUndefined();
  });
});
