import { zodResolver } from "@hookform/resolvers/zod";
import { Form, useActionData, useNavigation, useRouteLoaderData } from "@remix-run/react";
import { createContext, useContext, useEffect, useId, useRef, type ReactNode } from "react";
import { RemixFormProvider, useRemixForm, useRemixFormContext } from "remix-hook-form";
import type { z } from "zod";
import { INTENT_FIELD, refusalFor, type ActionResult } from "~/forms/action-result";
import type { Flash } from "~/forms/flash";

/**
 * Forms on one schema (ADR 010): useSchemaForm checks a form in the browser with the zod schema
 * its action parses with (remix-hook-form over react-hook-form, zod resolver), and shows the
 * action's 400 refusal (action-result.ts) beside the same fields. Without JavaScript the form
 * posts as any HTML form; the refusal comes back rendered, the values kept, the first wrong field
 * focused (autofocus). With it, nothing is sent until the schema passes, and the first wrong
 * field takes the focus either way.
 */

type AnyObjectSchema = z.ZodObject<z.ZodRawShape> | z.ZodEffects<z.ZodObject<z.ZodRawShape>>;
type Values = Record<string, string>;
type Refusal = Extract<ActionResult, { ok: false }>;

interface SchemaFormState {
  intent: string;
  refusal: Refusal | undefined;
  defaults: Values;
  /** Values the form carries without showing them (a row's id): hidden inputs, and part of the values checked. */
  hidden: Values;
  firstError: string | undefined;
  idPrefix: string;
}

// remix-hook-form 5.3 declares useRemixForm's answer without react-hook-form 7.6x's newest methods
// (getErrors, subscribe…), though it spreads every one of them at run time.
type ProviderProps = Parameters<typeof RemixFormProvider<Values>>[0];

const SchemaFormContext = createContext<SchemaFormState | null>(null);

function shapeOf(schema: AnyObjectSchema): z.ZodRawShape {
  return "shape" in schema ? schema.shape : schema.innerType().shape;
}

/**
 * A form of the page, named by its `intent`. `hidden` are values the form carries without fields
 * (a row's id, the role a button sets); they also tell which refusal is this form's when a page
 * repeats one form per row.
 */
export function useSchemaForm(
  schema: AnyObjectSchema,
  options: { intent: string; defaultValues?: Values; hidden?: Values },
) {
  const { intent } = options;
  const hidden = options.hidden ?? {};
  const answer = useActionData<unknown>();
  let refusal = refusalFor(answer, intent);
  if (refusal && Object.entries(hidden).some(([k, v]) => refusal!.defaultValues[k] !== v)) refusal = undefined;
  const defaults: Values = { ...options.defaultValues, ...refusal?.defaultValues, ...hidden };
  const methods = useRemixForm<Values>({
    // raw: the browser sends what was typed, as a form without JavaScript would; the action parses.
    resolver: zodResolver(schema, undefined, { raw: true }),
    defaultValues: defaults,
    submitData: { ...hidden, [INTENT_FIELD]: intent },
    stringifyAllValues: false,
    mode: "onSubmit",
    reValidateMode: "onChange",
  });
  const fieldOrder = Object.keys(shapeOf(schema));
  const firstError = refusal ? fieldOrder.find((name) => refusal!.errors[name]) : undefined;
  const idPrefix = useId().replace(/:/g, "");
  return { methods, state: { intent, refusal, defaults, hidden, firstError, idPrefix } satisfies SchemaFormState };
}

/** The <form> of useSchemaForm: method post, the intent, the refusal's message, the fields. */
export function SchemaForm({
  form,
  children,
  className,
  encType,
  "aria-label": ariaLabel,
}: {
  form: ReturnType<typeof useSchemaForm>;
  children: ReactNode;
  className?: string;
  /** multipart/form-data for a form with a FileField. */
  encType?: "multipart/form-data";
  "aria-label"?: string;
}) {
  const { methods, state } = form;
  const ref = useRef<HTMLFormElement>(null);
  const { refusal } = state;
  useEffect(() => {
    // A refusal from the action (with JavaScript): focus its first wrong field, else its message.
    if (!refusal) return;
    const target =
      ref.current?.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      ref.current?.querySelector<HTMLElement>("[data-form-message]");
    target?.focus();
  }, [refusal]);
  return (
    <RemixFormProvider {...(methods as ProviderProps)}>
      <SchemaFormContext.Provider value={state}>
        <Form
          method="post"
          noValidate
          className={className}
          encType={encType}
          aria-label={ariaLabel}
          ref={ref}
          onSubmit={methods.handleSubmit}
        >
          <input type="hidden" name={INTENT_FIELD} value={state.intent} />
          {Object.entries(state.hidden).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          {refusal ? (
            <p className="notice error" role="alert" tabIndex={-1} data-form-message="">
              {refusal.message}
            </p>
          ) : null}
          {children}
        </Form>
      </SchemaFormContext.Provider>
    </RemixFormProvider>
  );
}

function useFieldProps(name: string, hint: boolean) {
  const state = useContext(SchemaFormContext);
  if (!state) throw new Error(`Field "${name}" must be inside a <SchemaForm>.`);
  const { register, formState } = useRemixFormContext<Values>();
  const error = formState.errors[name];
  // The action's errors reach every form of the page: show a server error only on its own form.
  const message =
    error && (error.type !== "server" || state.refusal?.errors[name]) ? String(error.message ?? "") : undefined;
  const id = `${state.idPrefix}-${name}`;
  const described = [message ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return {
    id,
    message,
    input: {
      id,
      ...register(name),
      defaultValue: state.defaults[name] ?? "",
      "aria-invalid": message ? true : undefined,
      "aria-describedby": described || undefined,
      autoFocus: state.firstError === name,
    },
  };
}

/** A field's error under it (the field points at it with aria-describedby `${id}-error`). */
function FieldErrorText({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={`${id}-error`} className="field-error">
      {message}
    </p>
  ) : null;
}

function FieldShell({
  id,
  label,
  hint,
  message,
  children,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  message: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      ) : null}
      <FieldErrorText id={id} message={message} />
    </div>
  );
}

/** A labelled input of the surrounding SchemaForm, its hint and its error beside it. */
export function TextField({
  name,
  label,
  hint,
  type = "text",
  className,
  inputMode,
  min,
  max,
  autoComplete,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  type?: "text" | "number" | "email" | "url" | "password";
  className?: string;
  inputMode?: "numeric" | "text";
  min?: number;
  max?: number;
  autoComplete?: string;
}) {
  const { id, message, input } = useFieldProps(name, !!hint);
  return (
    <FieldShell id={id} label={label} hint={hint} message={message}>
      <input
        {...input}
        type={type}
        className={className}
        inputMode={inputMode}
        min={min}
        max={max}
        autoComplete={autoComplete ?? "off"}
      />
    </FieldShell>
  );
}

/** A select's options, each with its value and label. */
export function SelectOptions({ options }: { options: readonly { value: string; label: string }[] }) {
  return (
    <>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </>
  );
}

/** A labelled select of the surrounding SchemaForm. */
export function SelectField({
  name,
  label,
  hint,
  options,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  options: { value: string; label: string }[];
}) {
  const { id, message, input } = useFieldProps(name, !!hint);
  return (
    <FieldShell id={id} label={label} hint={hint} message={message}>
      <select {...input}>
        <SelectOptions options={options} />
      </select>
    </FieldShell>
  );
}

/** A labelled multi-line text field of the surrounding SchemaForm. */
export function TextAreaField({
  name,
  label,
  hint,
  rows = 4,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  rows?: number;
}) {
  const { id, message, input } = useFieldProps(name, !!hint);
  return (
    <FieldShell id={id} label={label} hint={hint} message={message}>
      <textarea {...input} rows={rows} spellCheck={false} />
    </FieldShell>
  );
}

/**
 * A file input of the surrounding SchemaForm (its form needs encType="multipart/form-data"). The
 * action reads and checks the file; `maxBytes` only tells the person at once, before uploading.
 */
export function FileField({
  name,
  label,
  hint,
  accept,
  maxBytes,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  accept?: string;
  maxBytes?: number;
}) {
  const { id, message, input } = useFieldProps(name, !!hint);
  const { setError, clearErrors } = useRemixFormContext<Values>();
  const { defaultValue: _unused, onChange, ...rest } = input;
  return (
    <FieldShell id={id} label={label} hint={hint} message={message}>
      <input
        {...rest}
        type="file"
        accept={accept}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file && maxBytes && file.size > maxBytes) {
            const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
            setError(name, {
              type: "size",
              message: `The file is ${mb(file.size)}; it may be at most ${mb(maxBytes)}. Check that you chose the right file.`,
            });
          } else clearErrors(name);
          return onChange(e);
        }}
      />
    </FieldShell>
  );
}

/** A group of radio buttons of the surrounding SchemaForm: a fieldset, its legend, one label per choice. */
export function RadioGroupField({
  name,
  legend,
  options,
  className,
}: {
  name: string;
  legend: ReactNode;
  options: { value: string; label: string; hint?: string }[];
  className?: string;
}) {
  const { id, message, input } = useFieldProps(name, false);
  const { defaultValue, autoFocus, "aria-describedby": describedBy, id: _id, ...register } = input;
  return (
    <fieldset className={className} aria-describedby={describedBy}>
      <legend>{legend}</legend>
      <div className="choice-list">
        {options.map((o, i) => (
          <div className="choice" key={o.value}>
            <input
              {...register}
              type="radio"
              id={`${id}-${o.value}`}
              value={o.value}
              defaultChecked={defaultValue === o.value}
              autoFocus={autoFocus && i === 0}
              aria-describedby={o.hint ? `${id}-${o.value}-hint` : undefined}
            />
            <span>
              <label htmlFor={`${id}-${o.value}`}>{o.label}</label>
              {o.hint ? (
                <span id={`${id}-${o.value}-hint`} className="hint">
                  {o.hint}
                </span>
              ) : null}
            </span>
          </div>
        ))}
      </div>
      <FieldErrorText id={id} message={message} />
    </fieldset>
  );
}

/** A checkbox of the surrounding SchemaForm: sends "on" when ticked, as an HTML form does. */
export function CheckboxField({ name, label }: { name: string; label: ReactNode }) {
  const { id, message, input } = useFieldProps(name, false);
  const { defaultValue, ...register } = input;
  return (
    <div className="field">
      <div className="checkbox-field">
        <input {...register} type="checkbox" value="on" defaultChecked={defaultValue === "on"} />
        <label htmlFor={id}>{label}</label>
      </div>
      <FieldErrorText id={id} message={message} />
    </div>
  );
}

/** The submit button: disabled while this form is on its way (or when `disabled`). */
export function SubmitButton({
  children,
  className,
  disabled = false,
}: {
  children: ReactNode;
  className?: string;
  disabled?: boolean;
}) {
  const state = useContext(SchemaFormContext);
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formData?.get(INTENT_FIELD) === state?.intent;
  return (
    <button type="submit" className={className} disabled={busy || disabled}>
      {children}
    </button>
  );
}

/**
 * A form that is one button (an action on one row: revoke, remove, run now): `form` holds its
 * intent and hidden fields; `names`, heard by screen readers only, says which row it acts on.
 */
export function ButtonForm({
  form,
  children,
  names,
  className,
  disabled,
}: {
  form: ReturnType<typeof useSchemaForm>;
  children: ReactNode;
  names?: string;
  className?: string;
  disabled?: boolean;
}) {
  return (
    <SchemaForm form={form}>
      <SubmitButton className={className} disabled={disabled}>
        {children}
        {names ? <span className="visually-hidden">{names}</span> : null}
      </SubmitButton>
    </SchemaForm>
  );
}

/** The flash message the root loader took from the cookie (after a POST-redirect-GET), if any. */
export function useFlash(): Flash | null {
  const root = useRouteLoaderData<{ flash?: Flash | null }>("root");
  return root?.flash ?? null;
}

/** The flash message, announced: a status when something worked, an alert when it did not. */
export function FlashNotice() {
  const flash = useFlash();
  return (
    <div aria-live="polite" className="flash">
      {flash ? (
        <p className={`notice ${flash.tone}`} role={flash.tone === "ok" ? "status" : "alert"}>
          {flash.message}
        </p>
      ) : null}
    </div>
  );
}
