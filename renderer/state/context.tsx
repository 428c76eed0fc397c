/**
 * React access to the store and services. The store is created per app (not a module singleton) so tests
 * get a fresh one with a fake Api.
 */
import { createContext, useContext } from 'react';
import type { ReactNode } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { Api } from '../../app/ipc/contract.ts';
import type { Connection } from '../api/transport.ts';
import type { ImageUrls } from '../lib/image-urls.ts';
import type { AppState, AppStore } from './store.ts';

export interface Services {
  api: Api;
  store: AppStore;
  images: ImageUrls;
  connection: Connection | null;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside <ServicesProvider>.');
  return services;
}

/** A slice of state; re-renders only when the selected value changes (Object.is). */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(useServices().store, selector);
}

/** For selectors that build a new object or array each time. */
export function useAppShallow<T>(selector: (state: AppState) => T): T {
  return useStore(useServices().store, useShallow(selector));
}

/** Actions never change, so components read them without subscribing. */
export function useActions(): AppState {
  return useServices().store.getState();
}
