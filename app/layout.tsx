import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: "Flowgate",
  description: "Ship an LLM prompt as a production API.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
