/**
 * Tags: type and press Enter (or a comma; "a, b, c" adds three); each tag
 * becomes a removable chip (React Aria TagGroup, so chips are
 * keyboard-navigable and removable with Backspace/Delete).
 */
import { X } from "lucide-react";
import { useState } from "react";
import { Button, Input, Label, Tag, TagGroup, TagList, Text, TextField } from "react-aria-components";

import { addTags } from "../lib/secretForm";

export function TagInput({
  tags,
  onChange,
  error,
}: {
  tags: string[];
  onChange: (tags: string[]) => void;
  error?: string | undefined;
}) {
  const [draft, setDraft] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  /** Adds the tags in `text`; what could not be added stays in the box. */
  function add(text: string) {
    const r = addTags(text, tags);
    if (r.tags.length !== tags.length) onChange(r.tags);
    setDraft(r.rest);
    setProblem(r.problem);
  }

  const message = problem ?? error ?? null;
  return (
    <div className="field">
      <TextField
        className="tag-input-field"
        value={draft}
        onChange={(v) => {
          // A comma ends a tag: what comes before it is added at once.
          const cut = v.lastIndexOf(",");
          if (cut < 0) {
            setDraft(v);
            setProblem(null);
            return;
          }
          const r = addTags(v.slice(0, cut), tags);
          if (r.tags.length !== tags.length) onChange(r.tags);
          const tail = v.slice(cut + 1).trimStart();
          setDraft(r.rest === "" ? tail : tail === "" ? r.rest : `${r.rest}, ${tail}`);
          setProblem(r.problem);
        }}
        isInvalid={message !== null}
        validationBehavior="aria"
      >
        <Label className="field-label">Tags</Label>
        <Input
          className="input"
          placeholder="Type a tag and press Enter (or a comma)"
          data-testid="secret-tag-input"
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              if (draft.trim() !== "") add(draft);
            } else if (e.key === "Backspace" && draft === "" && tags.length > 0) {
              onChange(tags.slice(0, -1));
            }
          }}
        />
        {message && (
          <Text slot="errorMessage" className="field-error" data-testid="secret-tag-error">
            {message}
          </Text>
        )}
      </TextField>
      {tags.length > 0 && (
        <TagGroup
          aria-label="Tags"
          className="tag-group"
          onRemove={(keys) => onChange(tags.filter((t) => !keys.has(t)))}
        >
          <TagList className="tag-list" items={tags.map((t) => ({ id: t }))}>
            {(item) => (
              <Tag id={item.id} className="chip chip-tag chip-removable" textValue={item.id} data-testid={`tag-chip-${item.id}`}>
                {item.id}
                <Button slot="remove" className="chip-remove" aria-label={`Remove tag ${item.id}`}>
                  <X size={12} />
                </Button>
              </Tag>
            )}
          </TagList>
        </TagGroup>
      )}
    </div>
  );
}
