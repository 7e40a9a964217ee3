/** Probe RTT histogram bounds in s: 1 ms on a LAN to 10 s over a congested satellite link. */
export const RTT_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Connection duration histogram bounds in s: a second to a day. */
export const DURATION_BUCKETS: readonly number[] = [1, 10, 60, 300, 900, 3600, 14_400, 43_200, 86_400];
