/** The Models page dialog: storage, downloads, installed models, catalog, add a model, Hub access. */
import { Modal } from '../Modal.tsx';
import { AddModelSection } from './AddModelSection.tsx';
import { CatalogSection } from './CatalogSection.tsx';
import { DownloadsSection } from './DownloadsSection.tsx';
import { HubSection } from './HubSection.tsx';
import { InstalledSection } from './InstalledSection.tsx';
import { StorageFacts } from './StorageFacts.tsx';

export function ModelsPage({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Models" onClose={onClose} wide testId="models-page">
      <div className="models-page">
        <StorageFacts />
        <DownloadsSection />
        <InstalledSection />
        <CatalogSection />
        <AddModelSection />
        <HubSection />
      </div>
    </Modal>
  );
}
