/** Line icons drawn for Tessera (24-unit grid, stroke = currentColor). Decorative: buttons carry labels. */
import type { ReactNode } from 'react';

function Icon({ children, size = 18 }: { children: ReactNode; size?: number }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  );
}

type P = { size?: number };

export const PlusIcon = (p: P) => <Icon {...p}>{<path d="M12 5v14M5 12h14" />}</Icon>;
export const CloseIcon = (p: P) => <Icon {...p}>{<path d="M6 6l12 12M18 6L6 18" />}</Icon>;
export const SearchIcon = (p: P) => (
  <Icon {...p}>
    <circle cx="11" cy="11" r="6.5" />
    <path d="M16 16l4.5 4.5" />
  </Icon>
);
export const TrashIcon = (p: P) => (
  <Icon {...p}>
    <path d="M4.5 7h15M10 4h4M6.5 7l1 13h9l1-13M10 11v5M14 11v5" />
  </Icon>
);
export const PencilIcon = (p: P) => (
  <Icon {...p}>
    <path d="M15.5 4.5l4 4L9 19H5v-4z" />
  </Icon>
);
export const CopyIcon = (p: P) => (
  <Icon {...p}>
    <rect x="8.5" y="8.5" width="11" height="11" rx="2" />
    <path d="M15.5 8.5V6a1.5 1.5 0 0 0-1.5-1.5H6A1.5 1.5 0 0 0 4.5 6v8A1.5 1.5 0 0 0 6 15.5h2.5" />
  </Icon>
);
export const CheckIcon = (p: P) => <Icon {...p}>{<path d="M5 12.5l4.5 4.5L19 7.5" />}</Icon>;
export const DownloadIcon = (p: P) => (
  <Icon {...p}>
    <path d="M12 4.5v10M7.5 10.5l4.5 4.5 4.5-4.5M5 19.5h14" />
  </Icon>
);
/** A page with an arrow leaving it: exporting, not downloading a model. */
export const ExportIcon = (p: P) => (
  <Icon {...p}>
    <path d="M14 4.5H7a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V12M13 11l7-7M15 4h5v5" />
  </Icon>
);
export const StopIcon = (p: P) => (
  <Icon {...p}>
    <rect x="7" y="7" width="10" height="10" rx="1.5" fill="currentColor" />
  </Icon>
);
export const RefreshIcon = (p: P) => (
  <Icon {...p}>
    <path d="M19.5 12a7.5 7.5 0 1 1-2.2-5.3M19.5 4.5v4h-4" />
  </Icon>
);
export const ChevronLeftIcon = (p: P) => <Icon {...p}>{<path d="M14.5 6l-6 6 6 6" />}</Icon>;
export const ChevronRightIcon = (p: P) => <Icon {...p}>{<path d="M9.5 6l6 6-6 6" />}</Icon>;
export const SendIcon = (p: P) => <Icon {...p}>{<path d="M12 19V5M6 11l6-6 6 6" />}</Icon>;
export const PaperclipIcon = (p: P) => (
  <Icon {...p}>
    <path d="M19 11.5l-7.2 7.2a4.5 4.5 0 0 1-6.4-6.4l7.6-7.6a3 3 0 0 1 4.2 4.2l-7.5 7.5a1.5 1.5 0 0 1-2.1-2.1l6.9-6.9" />
  </Icon>
);
export const SettingsIcon = (p: P) => (
  <Icon {...p}>
    <path d="M4 7h9M17 7h3M4 17h3M11 17h9" />
    <circle cx="15" cy="7" r="2" />
    <circle cx="9" cy="17" r="2" />
  </Icon>
);
export const HelpIcon = (p: P) => (
  <Icon {...p}>
    <circle cx="12" cy="12" r="8.5" />
    <path d="M9.6 9.5a2.5 2.5 0 1 1 3.4 2.3c-.6.3-1 .8-1 1.5v.4M12 16.8v.2" />
  </Icon>
);
export const GridIcon = (p: P) => (
  <Icon {...p}>
    <rect x="4" y="4" width="16" height="16" rx="2" />
    <path d="M4 12h16M12 4v16" />
  </Icon>
);
export const SidebarIcon = (p: P) => (
  <Icon {...p}>
    <rect x="3.5" y="4.5" width="17" height="15" rx="2" />
    <path d="M9.5 4.5v15" />
  </Icon>
);
export const AlertIcon = (p: P) => (
  <Icon {...p}>
    <path d="M12 4l9 16H3z" />
    <path d="M12 10v4M12 17v.2" />
  </Icon>
);
export const ModelsIcon = (p: P) => (
  <Icon {...p}>
    <path d="M12 3.5l7.5 4.25v8.5L12 20.5l-7.5-4.25v-8.5z" />
    <path d="M4.5 7.75L12 12l7.5-4.25M12 12v8.5" />
  </Icon>
);
export const PauseIcon = (p: P) => (
  <Icon {...p}>
    <path d="M9 6.5v11M15 6.5v11" />
  </Icon>
);
export const PlayIcon = (p: P) => (
  <Icon {...p}>
    <path d="M8 5.5v13l10-6.5z" />
  </Icon>
);
export const CropIcon = (p: P) => (
  <Icon {...p}>
    <path d="M7 3v14h14M3 7h14v14" />
  </Icon>
);
export const RedactIcon = (p: P) => (
  <Icon {...p}>
    <rect x="3.5" y="9" width="17" height="6" rx="1" fill="currentColor" />
    <path d="M4 5h16M4 19h10" />
  </Icon>
);
/** A screen with a filled dot: "record what is on the screen". */
export const RecordScreenIcon = (p: P) => (
  <Icon {...p}>
    <rect x="3" y="4" width="18" height="13" rx="1.5" />
    <path d="M8 21h8M12 17v4" />
    <circle cx="12" cy="10.5" r="2.5" fill="currentColor" />
  </Icon>
);
