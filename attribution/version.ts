// Argmin's version. A run records it with its inputs: another version may answer differently from
// the same inputs, and that is an upgrade to report, not a defect.
export const ARGMIN_VERSION = '0.1.0';
