/** Events from the services to every transport, typed by the contract. */
import type { EventName, Events } from '../../app/ipc/contract.ts';

/** `(name, payload)` pairs; a listener can narrow the payload by checking the name. */
export type AnyEvent = { [E in EventName]: [event: E, payload: Events[E]] }[EventName];
export type EventListener = (...event: AnyEvent) => void;

export interface EventSource {
  on(listener: EventListener): () => void;
}

export class EventHub implements EventSource {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of [...this.listeners]) {
      // A failing transport must not stop the others, nor the generation that emitted the event.
      try {
        (listener as (event: E, payload: Events[E]) => void)(event, payload);
      } catch (error) {
        console.error(`tessera: a listener of ${event} failed`, error);
      }
    }
  }
}
