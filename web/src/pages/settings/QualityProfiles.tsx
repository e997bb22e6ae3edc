import { QUALITY_PRESETS, QualityProfile, ReleaseSource, Resolution, VideoCodec } from '@sokoul/contracts';
import { createResource, createSignal, For, Index, Show } from 'solid-js';
import { settingsApi } from '../../api/settings.js';
import { ErrorMessage, FormFooter, messageOf, useAction } from '../../components/Field.js';
import { profileLabel, t } from '../../i18n.js';

type Preset = keyof typeof QUALITY_PRESETS;
const PRESETS = Object.keys(QUALITY_PRESETS) as Preset[];

/** A comma-separated list, best first. */
const listText = (items: readonly string[]) => items.join(', ');
const listOf = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Ticks in the enum's order; the preferred list keeps the admin's order. */
function Choices<T extends string>(props: {
  name: string;
  options: readonly T[];
  chosen: readonly T[];
  onChange: (next: T[]) => void;
}) {
  return (
    <div class="choices" data-testid={`profile-${props.name}`}>
      <For each={props.options}>
        {(option) => (
          <label class="check">
            <input
              type="checkbox"
              checked={props.chosen.includes(option)}
              onChange={(e) =>
                props.onChange(
                  e.currentTarget.checked
                    ? props.options.filter((o) => o === option || props.chosen.includes(o))
                    : props.chosen.filter((o) => o !== option),
                )
              }
            />
            <span>{option}</span>
          </label>
        )}
      </For>
    </div>
  );
}

function ProfileEditor(props: {
  profile: QualityProfile;
  onChange: (next: QualityProfile) => void;
  onRemove: () => void;
}) {
  const p = () => props.profile;
  const set = (changes: Partial<QualityProfile>) => props.onChange({ ...p(), ...changes });
  const id = (field: string) => `profile-${props.profile.name}-${field}`.replace(/\s+/g, '-');
  return (
    <fieldset class="profile-editor" data-testid="profile-editor" data-name={p().name}>
      <div class="inline">
        <label class="field" for={id('name')}>
          <span>{t('profiles.name')}</span>
          <input
            id={id('name')}
            value={p().name}
            maxLength={100}
            required
            onChange={(e) => set({ name: e.currentTarget.value.trim() })}
            data-testid="profile-name"
          />
        </label>
        <button type="button" class="danger" onClick={() => props.onRemove()} data-testid="profile-remove">
          {t('profiles.remove')}
        </button>
      </div>
      <p class="label">{t('profiles.resolutions')}</p>
      <Choices
        name="resolutions"
        options={Resolution.options}
        chosen={p().allowedResolutions}
        onChange={(next) =>
          set({
            allowedResolutions: next,
            preferredResolutions: p().preferredResolutions.filter((r) => next.includes(r)),
          })
        }
      />
      <p class="label">{t('profiles.sources')}</p>
      <Choices
        name="sources"
        options={ReleaseSource.options}
        chosen={p().allowedSources}
        onChange={(next) => set({ allowedSources: next })}
      />
      <div class="client-fields">
        <label class="field" for={id('preferredResolutions')}>
          <span>{t('profiles.preferredResolutions')}</span>
          <input
            id={id('preferredResolutions')}
            value={listText(p().preferredResolutions)}
            onChange={(e) =>
              set({
                preferredResolutions: listOf(e.currentTarget.value).filter(
                  (r): r is Resolution => Resolution.safeParse(r).success,
                ),
              })
            }
          />
        </label>
        <label class="field" for={id('preferredSources')}>
          <span>{t('profiles.preferredSources')}</span>
          <input
            id={id('preferredSources')}
            value={listText(p().preferredSources)}
            onChange={(e) =>
              set({
                preferredSources: listOf(e.currentTarget.value).filter(
                  (s): s is ReleaseSource => ReleaseSource.safeParse(s).success,
                ),
              })
            }
          />
        </label>
        <label class="field" for={id('codecs')}>
          <span>{t('profiles.codecs')}</span>
          <input
            id={id('codecs')}
            value={listText(p().preferredCodecs)}
            placeholder={VideoCodec.options.join(', ')}
            onChange={(e) =>
              set({
                preferredCodecs: listOf(e.currentTarget.value).filter(
                  (c): c is VideoCodec => VideoCodec.safeParse(c).success,
                ),
              })
            }
          />
        </label>
        <label class="field" for={id('languages')}>
          <span>{t('profiles.languages')}</span>
          <input
            id={id('languages')}
            value={listText(p().preferredLanguages)}
            placeholder="fr, en"
            onChange={(e) =>
              set({ preferredLanguages: listOf(e.currentTarget.value).map((l) => l.toLowerCase()) })
            }
          />
        </label>
        <label class="field" for={id('minSeeders')}>
          <span>{t('profiles.minSeeders')}</span>
          <input
            id={id('minSeeders')}
            type="number"
            min="0"
            value={p().minSeeders}
            onChange={(e) => set({ minSeeders: Math.max(0, Math.round(Number(e.currentTarget.value) || 0)) })}
            data-testid="profile-min-seeders"
          />
        </label>
        <label class="field" for={id('minSize')}>
          <span>{t('profiles.minSizePerHour')}</span>
          <input
            id={id('minSize')}
            type="number"
            min="0"
            step="0.05"
            value={p().minSizeGbPerHour}
            onChange={(e) => set({ minSizeGbPerHour: Math.max(0, Number(e.currentTarget.value) || 0) })}
          />
        </label>
        <For each={p().allowedResolutions}>
          {(resolution) => (
            <label class="field" for={id(`max-${resolution}`)}>
              <span>{t('profiles.maxSize', { resolution })}</span>
              <input
                id={id(`max-${resolution}`)}
                type="number"
                min="0"
                step="0.5"
                value={p().maxSizeGb[resolution] ?? ''}
                placeholder={t('profiles.noLimit')}
                onChange={(e) => {
                  const value = Number(e.currentTarget.value);
                  const next = { ...p().maxSizeGb };
                  if (value > 0) next[resolution] = value;
                  else delete next[resolution];
                  set({ maxSizeGb: next });
                }}
              />
            </label>
          )}
        </For>
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={p().preferHdr}
          onChange={(e) => set({ preferHdr: e.currentTarget.checked })}
        />
        <span>{t('profiles.preferHdr')}</span>
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={p().requirePreferredLanguage}
          onChange={(e) => set({ requirePreferredLanguage: e.currentTarget.checked })}
        />
        <span>{t('profiles.requireLanguage')}</span>
      </label>
    </fieldset>
  );
}

/**
 * The admin's own quality profiles, beside the presets (which stay as they are): each new one
 * starts as a copy of a preset. Saving replaces them all (PUT /admin/quality-profiles).
 */
export function QualityProfilesCard() {
  const [stored, { mutate }] = createResource(() => settingsApi.customProfiles());
  const [draft, setDraft] = createSignal<QualityProfile[] | null>(null);
  const [preset, setPreset] = createSignal<Preset>('1080p');
  const action = useAction();
  const profiles = () => draft() ?? stored.latest ?? [];
  const edit = (index: number, next: QualityProfile) =>
    setDraft(profiles().map((p, i) => (i === index ? next : p)));
  const addFromPreset = () => {
    const base = QualityProfile.parse(QUALITY_PRESETS[preset()]);
    const taken = new Set(profiles().map((p) => p.name.toLowerCase()));
    let n = 1;
    let name = t('profiles.copyName', { name: profileLabel(base.name), n: '' }).trim();
    while (taken.has(name.toLowerCase()) || name in QUALITY_PRESETS)
      name = t('profiles.copyName', { name: profileLabel(base.name), n: String(++n) }).trim();
    setDraft([...profiles(), { ...base, name }]);
  };
  const save = (event: SubmitEvent) => {
    event.preventDefault();
    void action.run(async () => {
      mutate(await settingsApi.saveProfiles(profiles()));
      setDraft(null);
    }, t('profiles.saved'));
  };
  return (
    <form class="card" onSubmit={save} data-testid="quality-profiles">
      <h2>{t('profiles.title')}</h2>
      <p class="muted">{t('profiles.hint')}</p>
      <ErrorMessage message={stored.error ? messageOf(stored.error) : null} />
      {/* By position: an edit replaces the profile object, the editor (and its focus) stays. */}
      <Index each={profiles()} fallback={<p class="muted">{t('profiles.none')}</p>}>
        {(profile, index) => (
          <ProfileEditor
            profile={profile()}
            onChange={(next) => edit(index, next)}
            onRemove={() => setDraft(profiles().filter((_, i) => i !== index))}
          />
        )}
      </Index>
      <div class="inline">
        <label class="field" for="profilePreset">
          <span>{t('profiles.fromPreset')}</span>
          <select
            id="profilePreset"
            onChange={(e) => setPreset(e.currentTarget.value as Preset)}
            data-testid="profile-preset"
          >
            <For each={PRESETS}>
              {(name) => (
                <option value={name} selected={name === preset()}>
                  {profileLabel(name)}
                </option>
              )}
            </For>
          </select>
        </label>
        <button type="button" onClick={addFromPreset} data-testid="profile-add">
          {t('profiles.add')}
        </button>
      </div>
      <Show when={draft() !== null}>
        <p class="notice">{t('profiles.unsaved')}</p>
      </Show>
      <FormFooter action={action} label={t('settings.save')} testId="profiles-save" />
    </form>
  );
}
