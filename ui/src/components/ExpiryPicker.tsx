/**
 * Expiry: an on/off switch and a React Aria date picker. The date means
 * "valid through that day" (see lib/time.ts).
 */
import { parseDate, type CalendarDate } from "@internationalized/date";
import { CalendarDays, ChevronLeft, ChevronRight } from "lucide-react";
import {
  Button,
  Calendar,
  CalendarCell,
  CalendarGrid,
  DateInput,
  DatePicker,
  DateSegment,
  Dialog,
  FieldError,
  Group,
  Heading,
  Label,
  Popover,
  Text,
} from "react-aria-components";

import { SwitchField } from "./controls";

function toCalendarDate(iso: string | null): CalendarDate | null {
  if (iso === null) return null;
  try {
    return parseDate(iso);
  } catch {
    return null;
  }
}

export function ExpiryPicker({
  enabled,
  onEnabledChange,
  date,
  onDateChange,
  error,
  today,
}: {
  enabled: boolean;
  onEnabledChange: (v: boolean) => void;
  date: string | null;
  onDateChange: (iso: string | null) => void;
  error?: string | undefined;
  /** YYYY-MM-DD, to warn about dates in the past. */
  today: string;
}) {
  const inPast = enabled && date !== null && date < today;
  return (
    <div className="field expiry">
      <SwitchField label="Expires" isSelected={enabled} onChange={onEnabledChange} testId="expiry-toggle" />
      {enabled && (
        <DatePicker
          className="date-picker"
          value={toCalendarDate(date)}
          onChange={(d) => onDateChange(d ? d.toString() : null)}
          isInvalid={!!error}
          validationBehavior="aria"
          granularity="day"
        >
          <Label className="visually-hidden">Expiry date</Label>
          <Group className="input date-group" data-testid="expiry-date">
            <DateInput className="date-input">{(segment) => <DateSegment segment={segment} className="date-segment" />}</DateInput>
            <Button className="icon-btn icon-btn-default" aria-label="Open calendar" data-testid="expiry-calendar">
              <CalendarDays size={16} />
            </Button>
          </Group>
          <Text slot="description" className="field-help">
            {inPast
              ? "This date is in the past: the secret will be saved as already expired."
              : "Valid through the end of this day, your local time."}
          </Text>
          <FieldError className="field-error" data-testid="expiry-error">
            {error}
          </FieldError>
          <Popover className="popover" placement="bottom start">
            <Dialog className="calendar-dialog" aria-label="Choose the expiry date">
              <Calendar className="calendar">
                <header className="calendar-header">
                  <Button slot="previous" className="icon-btn icon-btn-default" aria-label="Previous month">
                    <ChevronLeft size={16} />
                  </Button>
                  <Heading className="calendar-heading" />
                  <Button slot="next" className="icon-btn icon-btn-default" aria-label="Next month">
                    <ChevronRight size={16} />
                  </Button>
                </header>
                <CalendarGrid className="calendar-grid">{(d) => <CalendarCell date={d} className="calendar-cell" />}</CalendarGrid>
              </Calendar>
            </Dialog>
          </Popover>
        </DatePicker>
      )}
    </div>
  );
}
