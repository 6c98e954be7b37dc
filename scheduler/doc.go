// Package scheduler runs Skybridge's periodic work (polling flight status,
// opening check-in, sweeping) once per cluster, however many instances run it.
// Every instance computes the same ticks from the same cron specs and enqueues
// each one as (task, scheduled instant); the store keeps one job per pair, so the
// tick is worked once, by whichever instance takes the job. The scheduler itself
// never does the work and holds no lock or leader election: it only has to agree
// with the other instances on when the ticks are.
//
// Specs are read by robfig/cron/v3 (five fields, or descriptors such as "@hourly"
// and "@every 1m"), in UTC unless they say CRON_TZ=, so that the host's zone
// cannot move a tick; "@every" ticks fall on multiples of the interval (each whole
// minute for "@every 1m") rather than counting from the process start.
package scheduler
