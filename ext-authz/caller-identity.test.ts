import { describe, expect, it } from 'vitest';
import {
  callerFrom,
  serviceAccountOf,
  spiffeFromCertificate,
  spiffeFromForwardedClientCert,
} from './caller-identity.js';

// A self-signed workload certificate with a SPIFFE URI SAN, as Istio issues them.
const WORKLOAD_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBwDCCAWagAwIBAgIUKm4oPm8MxTdYpunVq8FXIEOlgRowCgYIKoZIzj0EAwIw
GDEWMBQGA1UECgwNY2x1c3Rlci5sb2NhbDAgFw0yNjEyMDMyMDAwNDVaGA8yMTI2
MTEwOTIwMDA0NVowGDEWMBQGA1UECgwNY2x1c3Rlci5sb2NhbDBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABOqteMe/pYGoc7s1oFnFyfz0Jvzh7j1RlXhBb6BNlNP/
RvBMJGvfxjmvHyqW0sS4KASUu1lAiShTJ5Bv7QfVzMSjgYswgYgwHQYDVR0OBBYE
FAKVFPqZAVmCgXL4zx0CYFQhuJCmMB8GA1UdIwQYMBaAFAKVFPqZAVmCgXL4zx0C
YFQhuJCmMA8GA1UdEwEB/wQFMAMBAf8wNQYDVR0RBC4wLIYqc3BpZmZlOi8vY2x1
c3Rlci5sb2NhbC9ucy9zZWFyY2gvc2EvcmFua2VyMAoGCCqGSM49BAMCA0gAMEUC
IQC+AgsH2con7CswQS4MDuV2/qxlghrsnfFJ7Y06ZRbOjAIgHXWNRnpfL4xwpt5N
fPUUPFl7DnikuO4w0tUrTZlS4uw=
-----END CERTIFICATE-----
`;

describe('caller identity', () => {
  it.each([
    ['spiffe://cluster.local/ns/search/sa/ranker', 'search/ranker'],
    ['spiffe://td.example/ns/default/sa/default', 'default/default'],
    ['spiffe://cluster.local/ns/search/sa/Ranker', undefined],
    ['spiffe://cluster.local/workload/ranker', undefined],
  ])('reads the service account of %s', (id, account) => {
    expect(serviceAccountOf(id)).toBe(account);
  });

  it('reads the SPIFFE id of a URL-encoded peer certificate, as ext_authz forwards it', () => {
    expect(spiffeFromCertificate(encodeURIComponent(WORKLOAD_CERTIFICATE))).toBe(
      'spiffe://cluster.local/ns/search/sa/ranker',
    );
    expect(spiffeFromCertificate('not%20a%20certificate')).toBeUndefined();
  });

  it.each([
    [
      'By=spiffe://cluster.local/ns/llm/sa/egress;Hash=abc;Subject="";URI=spiffe://cluster.local/ns/search/sa/ranker',
      'spiffe://cluster.local/ns/search/sa/ranker',
    ],
    [
      'URI=spiffe://cluster.local/ns/a/sa/first,By=x;URI=spiffe://cluster.local/ns/b/sa/nearest',
      'spiffe://cluster.local/ns/b/sa/nearest',
    ],
    [
      'Hash=abc;Subject="CN=a,O=b";URI="spiffe://cluster.local/ns/c/sa/quoted"',
      'spiffe://cluster.local/ns/c/sa/quoted',
    ],
    ['Hash=abc;DNS=example.com', undefined],
  ])('reads the nearest client from x-forwarded-client-cert %j', (header, id) => {
    expect(spiffeFromForwardedClientCert(header)).toBe(id);
  });

  it('prefers the mTLS principal, and keeps a principal that is not a SPIFFE id apart', () => {
    expect(
      callerFrom({
        principal: 'spiffe://cluster.local/ns/search/sa/ranker',
        forwardedClientCert: 'URI=spiffe://cluster.local/ns/other/sa/spoofed',
        sourceAddress: '10.1.2.3',
      }),
    ).toEqual({
      identity: {
        spiffeId: 'spiffe://cluster.local/ns/search/sa/ranker',
        serviceAccount: 'search/ranker',
      },
      sourceAddress: '10.1.2.3',
    });
    expect(callerFrom({ principal: 'CN=billing-batch,O=acme' })).toEqual({
      identity: {},
      principal: 'CN=billing-batch,O=acme',
    });
  });
});
