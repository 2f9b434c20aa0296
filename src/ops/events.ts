// The in-memory event ring behind `havipd events [--follow]` (issue 10 §2): transitions, tracker changes,
// reloads, faults and operator commands, with times and reasons. Bounded; nothing is written to disk, so a
// dead daemon leaves no stale history behind (issue 10 §5).

/** Kinds of recorded events (stable: part of the control socket's JSON schema). */
export type OpsEventKind = 'transition' | 'tracker' | 'priority' | 'fault' | 'reload' | 'command' | 'daemon' | 'verify';

/** One recorded event. `seq` grows by one per event for the daemon's lifetime. */
export interface OpsEvent {
  readonly seq: number;
  /** Wall-clock time, ISO 8601 UTC. */
  readonly time: string;
  readonly kind: OpsEventKind;
  readonly instance?: string;
  /** One line, keepalived-phrased where keepalived has a phrase. */
  readonly message: string;
  readonly fields?: Readonly<Record<string, string | number | boolean | null>>;
}

export type EventListener = (e: OpsEvent) => void;

/** A fixed-size ring of the last `capacity` events, with listeners for `events --follow`. */
export class EventRing {
  private readonly buf: OpsEvent[] = [];
  private next = 0;
  private seq = 0;
  private readonly listeners = new Set<EventListener>();

  constructor(
    readonly capacity = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  push(e: Omit<OpsEvent, 'seq' | 'time'>): OpsEvent {
    const ev: OpsEvent = { seq: ++this.seq, time: new Date(this.now()).toISOString(), ...e };
    if (this.buf.length < this.capacity) this.buf.push(ev);
    else this.buf[this.next] = ev;
    this.next = (this.next + 1) % this.capacity;
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // a listener's failure (a dropped client) never stops the others
      }
    }
    return ev;
  }

  /** The last `limit` events, oldest first. */
  list(limit = this.capacity): OpsEvent[] {
    const ordered = this.buf.length < this.capacity ? [...this.buf] : [...this.buf.slice(this.next), ...this.buf.slice(0, this.next)];
    return ordered.slice(Math.max(0, ordered.length - limit));
  }

  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get size(): number {
    return this.buf.length;
  }
}
