/**
 * Thin, styled wrappers over React Aria Components, so every screen gets
 * the same accessible widgets with the same look. No behaviour here beyond
 * what React Aria gives; class names map to styles in `styles/controls.css`.
 */
import { Check, ChevronDown, Eye, EyeOff } from "lucide-react";
import { useLayoutEffect, useRef, useState, type ClipboardEvent, type ReactNode, type Ref } from "react";
import {
  Autocomplete,
  Button,
  Checkbox,
  FieldError,
  Input,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  SearchField,
  Select,
  SelectValue,
  Switch,
  Text,
  TextArea,
  TextField,
  Tooltip,
  TooltipTrigger,
  useFilter,
  type ButtonProps,
  type Key,
} from "react-aria-components";

import { applyShownEdit, lineCount, replaceShownRange, shownText } from "../lib/exactText";

type Variant = "primary" | "secondary" | "ghost" | "danger";

function withClass(base: string, extra: string | undefined): string {
  return extra ? `${base} ${extra}` : base;
}

/** Help text (hidden while there is an error) and the error of a field. */
function FieldFooter(p: { description?: ReactNode; error?: string | null | undefined; testId?: string | undefined }) {
  return (
    <>
      {p.description && !p.error && (
        <Text slot="description" className="field-help">
          {p.description}
        </Text>
      )}
      <FieldError className="field-error" data-testid={p.testId ? `${p.testId}-error` : undefined}>
        {p.error}
      </FieldError>
    </>
  );
}

export interface BtnProps extends Omit<ButtonProps, "className" | "children"> {
  variant?: Variant;
  icon?: ReactNode;
  children?: ReactNode;
  testId?: string;
  className?: string;
}

export function Btn({ variant = "secondary", icon, children, testId, className, ...rest }: BtnProps) {
  return (
    <Button {...rest} data-testid={testId} className={withClass(`btn btn-${variant}`, className)}>
      {icon}
      {children !== undefined && <span>{children}</span>}
    </Button>
  );
}

export interface IconButtonProps extends Omit<ButtonProps, "className" | "children" | "aria-label"> {
  label: string;
  icon: ReactNode;
  testId?: string;
  tone?: "default" | "danger" | "active";
  /**
   * "aria": a React Aria tooltip on hover and keyboard focus (default);
   * "native": the browser's title tooltip, far cheaper for the hundreds of
   * buttons a scrolling table mounts; false: none.
   */
  tooltip?: "aria" | "native" | false;
}

export function IconButton({ label, icon, testId, tone = "default", tooltip = "aria", ...rest }: IconButtonProps) {
  const button = (
    <Button
      {...rest}
      aria-label={label}
      data-testid={testId}
      className={`icon-btn icon-btn-${tone}`}
      {...(tooltip === "native" ? { title: label } : {})}
    >
      {icon}
    </Button>
  );
  if (tooltip !== "aria") return button;
  return (
    <TooltipTrigger delay={600} closeDelay={0}>
      {button}
      <Tooltip className="tooltip" offset={6}>
        {label}
      </Tooltip>
    </TooltipTrigger>
  );
}

/**
 * A native icon button for rows of the virtualized table: the same look and
 * accessible name as IconButton, without React Aria's per-button hooks,
 * because scrolling mounts dozens of these per frame.
 */
export function RowButton({
  label,
  icon,
  testId,
  tone = "default",
  onPress,
}: {
  label: string;
  icon: ReactNode;
  testId?: string;
  tone?: "default" | "danger" | "active";
  onPress: () => void;
}) {
  return (
    <button type="button" className={`icon-btn icon-btn-${tone}`} aria-label={label} title={label} data-testid={testId} onClick={onPress}>
      {icon}
    </button>
  );
}

export interface TextInputProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null | undefined;
  description?: ReactNode;
  placeholder?: string;
  testId?: string;
  type?: "text" | "password" | "search" | "email";
  autoFocus?: boolean;
  isDisabled?: boolean;
  isRequired?: boolean;
  autoComplete?: string;
  inputRef?: Ref<HTMLInputElement>;
  className?: string;
  maxLength?: number;
  /** Hide the label visually (it still names the input). */
  hideLabel?: boolean;
  onKeyDown?: (e: React.KeyboardEvent<HTMLInputElement>) => void;
}

export function TextInput(p: TextInputProps) {
  return <TextInputBase {...p} />;
}

/** TextInput, and the frame PasswordInput adds a toggle to. */
function TextInputBase(p: TextInputProps & { inputClassName?: string; trailing?: ReactNode; grouped?: boolean }) {
  const input = (
    <Input
      ref={p.inputRef}
      className={p.inputClassName ?? "input"}
      placeholder={p.placeholder}
      data-testid={p.testId}
      spellCheck={false}
      onKeyDown={p.onKeyDown}
    />
  );
  return (
    <TextField
      className={withClass("field", p.className)}
      value={p.value}
      onChange={p.onChange}
      isInvalid={!!p.error}
      isDisabled={p.isDisabled ?? false}
      isRequired={p.isRequired ?? false}
      autoFocus={p.autoFocus ?? false}
      type={p.type ?? "text"}
      {...(p.autoComplete !== undefined ? { autoComplete: p.autoComplete } : {})}
      {...(p.maxLength !== undefined ? { maxLength: p.maxLength } : {})}
      validationBehavior="aria"
    >
      <Label className={p.hideLabel ? "visually-hidden" : "field-label"}>{p.label}</Label>
      {p.grouped ? (
        <div className="input-group">
          {input}
          {p.trailing}
        </div>
      ) : (
        input
      )}
      <FieldFooter description={p.description} error={p.error} testId={p.testId} />
    </TextField>
  );
}

export function TextAreaInput(p: Omit<TextInputProps, "type" | "inputRef" | "onKeyDown"> & { rows?: number }) {
  return (
    <TextField
      className={withClass("field", p.className)}
      value={p.value}
      onChange={p.onChange}
      isInvalid={!!p.error}
      isDisabled={p.isDisabled ?? false}
      validationBehavior="aria"
    >
      <Label className="field-label">{p.label}</Label>
      <TextArea className="input textarea" rows={p.rows ?? 2} placeholder={p.placeholder} data-testid={p.testId} />
      <FieldFooter description={p.description} error={p.error} testId={p.testId} />
    </TextField>
  );
}

/** A password box with a show/hide toggle; never autocompleted. */
export function PasswordInput(p: Omit<TextInputProps, "type"> & { revealLabel?: string; showToggle?: boolean }) {
  const [shown, setShown] = useState(false);
  const name = p.revealLabel ?? p.label;
  return (
    <TextInputBase
      {...p}
      type={shown ? "text" : "password"}
      autoComplete={p.autoComplete ?? "off"}
      inputClassName="input input-secret"
      grouped
      trailing={
        (p.showToggle ?? true) && (
          <IconButton
            label={shown ? `Hide ${name}` : `Show ${name}`}
            icon={shown ? <EyeOff size={16} /> : <Eye size={16} />}
            onPress={() => setShown((s) => !s)}
            testId={p.testId ? `${p.testId}-toggle` : undefined}
            isDisabled={p.isDisabled ?? false}
            tooltip={false}
          />
        )
      }
    />
  );
}

/**
 * A secret value that may span lines (a PEM key, a certificate, a JSON
 * blob), masked until shown. The value is kept byte for byte: tabs,
 * trailing spaces, CRLF line endings and non-ASCII text come back exactly
 * as pasted (see lib/exactText.ts for why a textarea alone would not).
 */
export function SecretTextArea(
  p: Omit<TextInputProps, "type" | "inputRef" | "onKeyDown" | "autoComplete"> & {
    revealLabel?: string;
    maxRows?: number;
    /** Not a secret: always shown, without the show/hide toggle. */
    plain?: boolean;
  },
) {
  const [toggled, setShown] = useState(false);
  const shown = toggled || p.plain === true;
  const ref = useRef<HTMLTextAreaElement>(null);
  /** Where to put the caret once a paste has re-rendered the textarea. */
  const caret = useRef<number | null>(null);
  const display = shownText(p.value);
  const name = p.revealLabel ?? p.label;

  useLayoutEffect(() => {
    if (caret.current !== null && ref.current) {
      ref.current.setSelectionRange(caret.current, caret.current);
      caret.current = null;
    }
  });

  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    const raw = e.clipboardData.getData("text/plain");
    if (raw === "") return;
    // Insert the clipboard's own text: letting the textarea do it would
    // turn its CRLFs into LFs.
    e.preventDefault();
    const el = e.currentTarget;
    caret.current = el.selectionStart + shownText(raw).length;
    p.onChange(replaceShownRange(p.value, el.selectionStart, el.selectionEnd, raw));
  }

  return (
    <TextField
      className={withClass("field", p.className)}
      value={display}
      onChange={(next) => p.onChange(applyShownEdit(p.value, display, next))}
      isInvalid={!!p.error}
      isDisabled={p.isDisabled ?? false}
      autoFocus={p.autoFocus ?? false}
      validationBehavior="aria"
    >
      <Label className={p.hideLabel ? "visually-hidden" : "field-label"}>{p.label}</Label>
      <div className="input-group input-group-multiline">
        <TextArea
          ref={ref}
          className={`input textarea input-secret${shown ? "" : " is-masked"}`}
          rows={Math.min(lineCount(p.value), p.maxRows ?? 8)}
          placeholder={p.placeholder}
          data-testid={p.testId}
          data-masked={shown ? "false" : "true"}
          spellCheck={false}
          autoComplete="off"
          autoCorrect="off"
          autoCapitalize="off"
          onPaste={onPaste}
        />
        {p.plain !== true && (
          <IconButton
            label={shown ? `Hide ${name}` : `Show ${name}`}
            icon={shown ? <EyeOff size={16} /> : <Eye size={16} />}
            onPress={() => setShown((s) => !s)}
            testId={p.testId ? `${p.testId}-toggle` : undefined}
            isDisabled={p.isDisabled ?? false}
            tooltip={false}
          />
        )}
      </div>
      <FieldFooter description={p.description} error={p.error} testId={p.testId} />
    </TextField>
  );
}

export function SwitchField(p: {
  label: ReactNode;
  isSelected: boolean;
  onChange: (v: boolean) => void;
  testId?: string;
  isDisabled?: boolean;
  "aria-label"?: string;
}) {
  return (
    <Switch
      className="switch"
      isSelected={p.isSelected}
      onChange={p.onChange}
      isDisabled={p.isDisabled ?? false}
      data-testid={p.testId}
      {...(p["aria-label"] ? { "aria-label": p["aria-label"] } : {})}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      {p.label}
    </Switch>
  );
}

export function CheckboxField(p: {
  label: ReactNode;
  isSelected: boolean;
  onChange: (v: boolean) => void;
  testId?: string;
  isDisabled?: boolean;
}) {
  return (
    <Checkbox
      className="checkbox"
      isSelected={p.isSelected}
      onChange={p.onChange}
      isDisabled={p.isDisabled ?? false}
      data-testid={p.testId}
    >
      <span className="checkbox-box" aria-hidden="true">
        <Check size={12} strokeWidth={3} />
      </span>
      <span>{p.label}</span>
    </Checkbox>
  );
}

export interface Option {
  id: string;
  label: string;
  /** Shorter text for the closed dropdown (e.g. a department code). */
  short?: string;
  testId?: string;
}

/** A single-choice dropdown; with `searchLabel`, a search box above the options filters them. */
export function SelectField(p: {
  label: string;
  value: string;
  options: readonly Option[];
  onChange: (id: string) => void;
  testId?: string;
  hideLabel?: boolean;
  className?: string;
  isDisabled?: boolean;
  searchLabel?: string;
}) {
  const { contains } = useFilter({ sensitivity: "base" });
  const listBox = (
    <ListBox className="listbox" items={p.options}>
      {(o) => (
        <ListBoxItem id={o.id} className="listbox-item" textValue={o.label} data-testid={o.testId}>
          {({ isSelected }) => (
            <>
              <span>{o.label}</span>
              {isSelected && <Check size={14} aria-hidden="true" />}
            </>
          )}
        </ListBoxItem>
      )}
    </ListBox>
  );
  return (
    <Select
      className={withClass("field select", p.className)}
      value={p.value}
      onChange={(k: Key | null) => k !== null && p.onChange(String(k))}
      isDisabled={p.isDisabled ?? false}
    >
      <Label className={p.hideLabel ? "visually-hidden" : "field-label"}>{p.label}</Label>
      <Button className="input select-trigger" data-testid={p.testId}>
        <SelectValue className="select-value" />
        <ChevronDown size={16} aria-hidden="true" />
      </Button>
      <Popover className="popover" placement="bottom start">
        {p.searchLabel ? (
          <Autocomplete filter={contains}>
            <SearchField className="popover-search" aria-label={p.searchLabel} autoFocus>
              <Input className="input" placeholder={p.searchLabel} data-testid={p.testId ? `${p.testId}-search` : undefined} />
            </SearchField>
            {listBox}
          </Autocomplete>
        ) : (
          listBox
        )}
      </Popover>
    </Select>
  );
}

/** A multi-choice dropdown. */
export function MultiSelectField(p: {
  label: string;
  value: readonly string[];
  options: readonly Option[];
  onChange: (ids: string[]) => void;
  testId?: string;
  error?: string | undefined;
  placeholder?: string;
  description?: ReactNode;
}) {
  return (
    <Select
      selectionMode="multiple"
      className="field select"
      value={p.value}
      onChange={(keys: Key[]) => p.onChange(keys.map(String))}
      isInvalid={!!p.error}
      validationBehavior="aria"
      placeholder={p.placeholder ?? "Choose…"}
    >
      <Label className="field-label">{p.label}</Label>
      <Button className="input select-trigger" data-testid={p.testId}>
        <SelectValue<Option> className="select-value">
          {({ selectedItems, isPlaceholder }) =>
            isPlaceholder
              ? (p.placeholder ?? "Choose…")
              : selectedItems.map((o) => o?.short ?? o?.label ?? "").join(", ")
          }
        </SelectValue>
        <ChevronDown size={16} aria-hidden="true" />
      </Button>
      <FieldFooter description={p.description} error={p.error} testId={p.testId} />
      <Popover className="popover" placement="bottom start">
        <ListBox className="listbox" items={p.options}>
          {(o) => (
            <ListBoxItem id={o.id} className="listbox-item" textValue={o.label} data-testid={o.testId}>
              {({ isSelected }) => (
                <>
                  <span className={`listbox-check${isSelected ? " is-on" : ""}`} aria-hidden="true">
                    {isSelected && <Check size={12} strokeWidth={3} />}
                  </span>
                  <span>{o.label}</span>
                </>
              )}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}
