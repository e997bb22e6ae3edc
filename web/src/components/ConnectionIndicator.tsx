import { t } from '../i18n.js';
import { live } from '../stores/live.js';

export function ConnectionIndicator() {
  const label = () => t(`live.${live.state()}`);
  return (
    <span
      class="indicator"
      data-testid="connection-indicator"
      data-state={live.state()}
      role="status"
      aria-label={label()}
      title={label()}
    >
      <span class="indicator-dot" aria-hidden="true" />
      <span class="indicator-text">{label()}</span>
    </span>
  );
}
